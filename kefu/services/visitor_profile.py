"""The pre-chat form: an anonymous visitor's own name and email, kept on the visitor.

Unlike a verified identity (kefu.services.identity) it is what the visitor typed, so
it never overwrites what a host site vouched for.  Agents see it on the card and in the
details, and canned replies fill ``{visitor_name}`` from it.
"""
from kefu.extensions import db
from kefu.services import lifecycle, presenters, visitors
from kefu.services.errors import ServiceError
from kefu.services.outcomes import Outcome
from kefu.services.tickets import EMAIL


def set_profile(public_id: str, name: str, email: str) -> Outcome:
    """Store the visitor's name and email; agents get the open conversation's new card."""
    if not EMAIL.match(email):
        raise ServiceError("invalid_email", "That does not look like an email address.")
    visitor = visitors.by_public_id(public_id)
    if visitor.external_id is not None:
        raise ServiceError("invalid_state", "A signed-in customer's name and email come "
                                            "from the site they signed in to.")
    visitor.name, visitor.email = name, email
    db.session.commit()
    outcome = Outcome(ack={"visitor": {"name": name, "email": email}})
    conversation = lifecycle.open_conversation_of(visitor)
    if conversation is not None and conversation.state != "bot":
        outcome.card = presenters.card(conversation)
    return outcome
