"""Database models: who talks (User, Visitor), where (Conversation), and what (Message).

The database is the source of truth for every conversation, queue and assignment,
so that several kefu processes can serve the same desk.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timezone
from typing import Optional

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import (
    JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text,
    UniqueConstraint, event, false, func, select, text, update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from bot.text import normalize
from kefu.config import Defaults
from kefu.extensions import Base, db  # noqa: F401  (Base: the metadata of every table)


def password_hash_method() -> str:
    """The app's ``PASSWORD_HASH_METHOD``, or the configured default outside an app."""
    return current_app.config["PASSWORD_HASH_METHOD"] if has_app_context() \
        else Defaults.PASSWORD_HASH_METHOD


def utcnow() -> datetime:
    """Timezone-aware now; stored as UTC."""
    return datetime.now(timezone.utc)


class UTCDateTime(db.TypeDecorator):
    """DateTime that always comes back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


ROLES = ("admin", "agent", "editor")
#: Roles that work the desk: they may connect to ``/agent`` and read every conversation.
DESK_ROLES = ("agent", "admin")
#: Roles that edit the FAQ in the studio (``/studio``).
EDITOR_ROLES = ("editor", "admin")
SENDERS = ("visitor", "bot", "agent", "system", "note")  # note: private, agents only
#: Every conversation state; the moves between them are in kefu.services.lifecycle.
STATES = ("bot", "waiting", "agent", "closed", "abandoned")
OPEN_STATES = ("bot", "waiting", "agent")
#: The condition of the partial unique index that allows one open conversation per visitor.
OPEN_CONDITION = text("state IN ('bot', 'waiting', 'agent')")
#: Rows written by the desk (agents' messages and notes, the bot's and system lines).
DESK_CONDITION = text("visitor_id IS NULL")
#: The bot's answers (not offers, not handoffs): the lines the helpful ratio counts.
BOT_ANSWER_CONDITION = text("sender = 'bot' AND bot_action = 'answer'")
#: Handoffs that mean "the bot did not know", unlike a visitor asking for a person.
MISSED_REASONS = ("low_confidence", "repeated_miss")
#: The bot's (and its notices') turns that missed the visitor's question, by the learning
#: inbox's kind (kefu.services.inbox): their lines carry ``miss_key`` (0015).
MISSED_CONDITION = text("miss_key IS NOT NULL")
#: How much of a missed question's normalised text ``miss_key`` keeps: enough to group
#: questions, short enough for any index (PostgreSQL refuses entries over about 2.7 KB).
MISS_KEY_CHARS = 200


def miss_kind(action: str | None, extra) -> str | None:
    """The learning inbox's kind of a bot or system turn that missed, else None.

    ``clarify`` (no plausible guess), ``suggest`` (a "did you mean" offer: a miss until
    the visitor takes it, :func:`take_offer`), ``offtopic`` (declined), ``handoff`` (to a
    person, or the leave-a-message form, because the bot missed).  An answer is a miss
    only once voted not helpful, which the vote itself records.
    """
    if action in ("clarify", "suggest", "offtopic"):
        return action
    if action in ("escalate", "offer_form"):
        reason = extra.get("reason") if isinstance(extra, dict) else None
        return "handoff" if reason in MISSED_REASONS else None
    return None


def miss_key_of(question: str) -> str | None:
    """What a missed question is grouped and counted by: the bot's normalised text."""
    return normalize(question or "")[:MISS_KEY_CHARS] or None


class User(UserMixin, db.Model):
    """A person who logs in: admin, agent or content editor."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="agent")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def set_password(self, password: str) -> None:
        """Store a salted hash, never the password (``PASSWORD_HASH_METHOD``'s cost)."""
        self.password_hash = generate_password_hash(password, method=password_hash_method())

    def check_password(self, password: str) -> bool:
        """True when ``password`` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.active)

    def has_role(self, *roles: str) -> bool:
        """Admins may do everything any role may."""
        return self.role == "admin" or self.role in roles

    @property
    def is_desk_user(self) -> bool:
        """An active agent or admin: may work the desk and read every conversation."""
        return bool(self.active) and self.role in DESK_ROLES

    #: The login session this object was loaded through (set by the login and the loader).
    login_session_id = None

    def get_id(self) -> str:
        """What Flask-Login keeps in the cookies: the login session, never the user id.

        A cookie then names one revocable server-side session, so a copy of it dies
        with that session (logout, password change, deactivation).
        """
        if not self.login_session_id:
            raise AttributeError("this user was not loaded through a login session")
        return self.login_session_id

    def start_session(self, user_agent: str | None, address: str | None) -> "LoginSession":
        """Open a new login session for this user (call on a successful login)."""
        login = LoginSession(user=self, user_agent=(user_agent or "")[:255] or None,
                             address=(address or "")[:64] or None)
        db.session.add(login)
        self.login_session_id = login.id
        return login

    def revoke_sessions(self) -> list:
        """End every live login session of this user; returns their ids (to cut sockets)."""
        ids = list(db.session.scalars(select(LoginSession.id).where(
            LoginSession.user_id == self.id, LoginSession.revoked_at.is_(None))))
        if ids:
            db.session.execute(update(LoginSession).where(LoginSession.id.in_(ids))
                               .values(revoked_at=utcnow()))
        return ids

    def change_password(self, password: str) -> list:
        """Set a new password and end every session (a thief's copy among them)."""
        self.set_password(password)
        return self.revoke_sessions()

    def deactivate(self) -> list:
        """Lock the user out: no login, and every session ends now."""
        self.active = False
        return self.revoke_sessions()


class LoginSession(db.Model):
    """One login of a user in one browser, named by a random id carried in its cookies.

    Signed cookies alone cannot be taken back; a row can.  Every request and every
    ``/agent`` event asks :meth:`live`, so revoking the row ends the session everywhere
    at once, whichever process serves it.
    """

    __tablename__ = "login_sessions"
    __table_args__ = (Index("ix_login_sessions_user", "user_id", "revoked_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True,
                                    default=lambda: secrets.token_urlsafe(24))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    user_agent: Mapped[Optional[str]] = mapped_column(String(255))
    address: Mapped[Optional[str]] = mapped_column(String(64))

    user: Mapped["User"] = relationship()

    def __init__(self, **kwargs):
        kwargs.setdefault("id", secrets.token_urlsafe(24))
        super().__init__(**kwargs)

    @property
    def live(self) -> bool:
        """Not revoked, and its user may still log in."""
        return self.revoked_at is None and self.user is not None and bool(self.user.active)

    @classmethod
    def user_of(cls, session_id) -> Optional["User"]:
        """The user behind an unrevoked login session id, or None (revoked, unknown).

        A deactivated user is still returned: Flask-Login then counts them as not
        authenticated, and the API answers them ``forbidden`` exactly as ``/agent`` does.
        """
        if not isinstance(session_id, str) or not session_id:
            return None
        login = db.session.get(cls, session_id)
        if login is None or login.revoked_at is not None or login.user is None:
            return None
        login.user.login_session_id = login.id
        return login.user


class Visitor(db.Model):
    """Someone chatting through the widget, known by a signed token.

    ``external_id`` is the host site's own id of a signed-in customer, set only from an
    identity the site signed (kefu.services.identity): every device of that customer
    then resumes this one visitor.  Anonymous visitors have none.
    """

    __tablename__ = "visitors"
    # A unique index, not a constraint: SQLite adds an index in place, where a constraint
    # would rebuild the table and its drop would cascade to every conversation.
    __table_args__ = (Index("uq_visitors_external_id", "external_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(
        String(32), unique=True, default=lambda: secrets.token_hex(16)
    )
    locale: Mapped[str] = mapped_column(String(8), default="en")
    user_agent: Mapped[Optional[str]] = mapped_column(String(512))
    name: Mapped[Optional[str]] = mapped_column(String(120))
    email: Mapped[Optional[str]] = mapped_column(String(255))
    external_id: Mapped[Optional[str]] = mapped_column(String(255))
    pages: Mapped[Optional[list]] = mapped_column(JSON)  # the latest pages, newest last
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    conversations: Mapped[list["Conversation"]] = relationship(
        back_populates="visitor", order_by="Conversation.id"
    )


class Conversation(db.Model):
    """One chat between a visitor and kefu: the bot first, then perhaps a person."""

    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_visitor_state", "visitor_id", "state"),
        Index("ix_conversations_state_escalated", "state", "escalated_at"),
        Index("ix_conversations_agent_state", "assigned_agent_id", "state"),
        # Every report counts the conversations created in a period (0013).
        Index("ix_conversations_created", "created_at"),
        # At most one open conversation per visitor, however many requests race to open it.
        Index("uq_conversations_one_open_per_visitor", "visitor_id", unique=True,
              sqlite_where=OPEN_CONDITION, postgresql_where=OPEN_CONDITION),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visitor_id: Mapped[int] = mapped_column(ForeignKey("visitors.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default="bot")
    assigned_agent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    escalated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    first_agent_reply_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    closed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    rating: Mapped[Optional[int]] = mapped_column(Integer)
    rating_comment: Mapped[Optional[str]] = mapped_column(Text)
    handoff_reason: Mapped[Optional[str]] = mapped_column(String(32))
    agent_read_up_to: Mapped[Optional[int]] = mapped_column(Integer)
    visitor_read_up_to: Mapped[Optional[int]] = mapped_column(Integer)
    #: The language system notices are written in (kefu.services.language); null until the
    #: visitor's first message, when the widget locale applies.
    language: Mapped[Optional[str]] = mapped_column(String(8))
    # The reports' figures of this conversation (0014), kept by the listeners at the end of
    # this module as its lines and events are stored, so a report sums one row per chat
    # instead of joining a million messages (docs/metrics.md, docs/benchmarks.md).
    #: When the bot first spoke (any bot line): the chat counts as bot-handled.
    bot_spoke_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: The earliest ``escalated`` event and its reason (``handoff_reason`` is the latest).
    first_handoff_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    first_handoff_reason: Mapped[Optional[str]] = mapped_column(String(32))
    #: The first agent line at or after ``first_handoff_at`` (notes and bot lines never).
    first_response_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: The latest entry into the queue (an event to ``waiting``), and the ``abandoned`` event.
    queued_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    abandoned_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    visitor: Mapped[Visitor] = relationship(back_populates="conversations")
    assigned_agent: Mapped[Optional[User]] = relationship()
    messages: Mapped[list["Message"]] = relationship(
        back_populates="conversation", order_by="Message.id"
    )

    @property
    def awaits_rating(self) -> bool:
        """Closed and not rated yet: the visitor may still give its 1-5 stars."""
        return self.state == "closed" and self.rating is None

    def writable_by(self, user: Optional[User]) -> bool:
        """Desk users write only in conversations assigned to them; admins in any.

        The role rule alone: whether the conversation's state allows the action is the
        lifecycle's question (kefu.services.lifecycle).
        """
        if user is None or not user.is_desk_user:
            return False
        return user.role == "admin" or self.assigned_agent_id == user.id


class Message(db.Model):
    """A line in a conversation; visitor lines carry the client's id for idempotency.

    A visitor's ``client_msg_id`` is unique per visitor (``visitor_id`` is set on visitor
    lines only), so a resend finds the first copy in whichever conversation it landed;
    agents' ids stay unique per conversation.  ``answered`` is claimed by the one request
    that stores the bot's reply to a visitor line, in the reply's own transaction.
    """

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("visitor_id", "client_msg_id", name="uq_messages_visitor_client_msg"),
        # Agents' ids (messages and notes: no visitor_id) are unique per conversation; they
        # never collide with the visitor's own ids in the same chat.
        Index("uq_messages_desk_client_msg", "conversation_id", "client_msg_id", unique=True,
              sqlite_where=DESK_CONDITION, postgresql_where=DESK_CONDITION),
        Index("ix_messages_conversation_id_id", "conversation_id", "id"),
        # Reports: "did the bot speak here", "the first agent reply after the handoff" (0013).
        Index("ix_messages_conversation_sender", "conversation_id", "sender", "created_at"),
        # Reports: the bot's answers per intent and their votes, read from the index alone (0014).
        # sender and bot_action are constant in it, but listed they make SQLite (no planner
        # statistics) prefer it to ix_messages_conversation_sender: three equalities to two.
        Index("ix_messages_bot_answers", "conversation_id", "sender", "bot_action", "intent",
              "helpful",
              sqlite_where=BOT_ANSWER_CONDITION, postgresql_where=BOT_ANSWER_CONDITION),
        # The learning inbox and "top unanswered": the bot's misses, few among its lines,
        # counted per question from the index alone (0015).
        Index("ix_messages_missed", "conversation_id", "miss_key",
              sqlite_where=MISSED_CONDITION, postgresql_where=MISSED_CONDITION),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    sender: Mapped[str] = mapped_column(String(16))
    visitor_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("visitors.id", ondelete="CASCADE", name="fk_messages_visitor_id"))
    answered: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    sender_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    client_msg_id: Mapped[Optional[str]] = mapped_column(String(64))
    reply_to: Mapped[Optional[str]] = mapped_column(String(64))
    intent: Mapped[Optional[str]] = mapped_column(String(64))
    confidence: Mapped[Optional[float]] = mapped_column(Float)
    bot_action: Mapped[Optional[str]] = mapped_column(String(16))
    extra: Mapped[Optional[dict]] = mapped_column(JSON)
    # The visitor's vote on a bot answer (null: not voted); one per answer, see 0011.
    helpful: Mapped[Optional[bool]] = mapped_column(Boolean)
    voted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # On a bot or system turn that missed (:func:`miss_kind`), the question it missed,
    # normalised (:func:`miss_key_of`); cleared when the visitor takes an offer (0015).
    miss_key: Mapped[Optional[str]] = mapped_column(String(MISS_KEY_CHARS))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
    sender_user: Mapped[Optional[User]] = relationship()


@event.listens_for(Message, "before_insert")
def _commit_in_id_order(mapper, connection, message) -> None:
    """On PostgreSQL, lock the conversation's row before a message takes its id.

    ``sync`` hands a visitor what came after the last id it saw, so within a conversation
    ids must become visible in the order they were taken.  PostgreSQL takes ids from a
    sequence outside the transaction: two writers to one chat could commit 41 after 42,
    and a ``sync`` between the two commits would move past 41 for good.  Holding the
    conversation's row lock from before ``nextval`` until the commit serialises a chat's
    writers, so its ids commit in order; other chats are not held up.  SQLite has one
    writer at a time, so its ids already commit in order.
    """
    conversation_id = message.conversation_id
    if conversation_id is None and message.conversation is not None:
        conversation_id = message.conversation.id
    lock_conversation(connection, conversation_id)


def lock_conversation(connection, conversation_id: int) -> None:
    """On PostgreSQL, take the conversation's row lock: the first lock of every write to a chat.

    The claim of a reply (an UPDATE of the visitor's line), the lines' inserts, the Core
    path's UPDATE of the conversation (kefu.services.answered_turn): when each takes the
    conversation's row before any message row, two of them never wait for each other in
    opposite orders (a resend claiming its line while the Core path, holding the
    conversation, waited on that line's unique key deadlocked).  SQLite has one writer.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(select(Conversation.id).where(Conversation.id == conversation_id)
                           .with_for_update())


class ConversationEvent(db.Model):
    """A state change with who did it and why: the audit trail reports are built on."""

    __tablename__ = "conversation_events"
    __table_args__ = (Index("ix_events_conversation_id", "conversation_id", "id"),
                      Index("ix_events_kind_created", "kind", "created_at"),
                      # Reports: a conversation's handoffs; an agent's claims (0013).
                      Index("ix_events_kind_conversation", "kind", "conversation_id"),
                      Index("ix_events_kind_actor", "kind", "actor_user_id", "conversation_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[Optional[str]] = mapped_column(String(16))
    to_state: Mapped[Optional[str]] = mapped_column(String(16))
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[Optional[str]] = mapped_column(String(32))
    data: Mapped[Optional[dict]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _set_figure(connection, conversation_id, when, **values) -> None:
    """One conditional UPDATE of a conversation's report figures; ``when`` is its condition."""
    table = Conversation.__table__
    connection.execute(update(table).where(table.c.id == conversation_id, when).values(**values))


@event.listens_for(Message, "after_insert")
def _figures_of_a_line(mapper, connection, message) -> None:
    """Keep ``bot_spoke_at`` and ``first_response_at`` as lines are stored.

    Each UPDATE keeps the earliest time whatever order rows arrive in (a test or an
    import may store a reply before the handoff it answers), and matches no row once
    the figure is set, so a busy chat pays a primary-key probe per bot line, no write.
    """
    c, at = Conversation.__table__.c, message.created_at
    if message.sender == "bot":
        _set_figure(connection, message.conversation_id,
                    (c.bot_spoke_at.is_(None)) | (c.bot_spoke_at > at), bot_spoke_at=at)
    elif message.sender == "agent":
        _set_figure(connection, message.conversation_id,
                    c.first_handoff_at.is_not(None) & (c.first_handoff_at <= at)
                    & ((c.first_response_at.is_(None)) | (c.first_response_at > at)),
                    first_response_at=at)


@event.listens_for(Message, "after_insert")
def _key_of_a_miss(mapper, connection, message) -> None:
    """Give a turn that missed (:func:`miss_kind`) the question it missed, as it is stored.

    The question is the visitor line the turn replies to, found by (visitor,
    ``client_msg_id``) through the conversation: one probe of a unique index, paid by
    misses only.  Reports and the learning inbox then count questions from
    ``ix_messages_missed`` alone, without reading a visitor line (0015).
    """
    if (message.sender not in ("bot", "system") or not message.reply_to
            or message.miss_key is not None
            or miss_kind(message.bot_action, message.extra) is None):
        return
    m, c = Message.__table__.c, Conversation.__table__.c
    visitor = select(c.visitor_id).where(c.id == message.conversation_id).scalar_subquery()
    key = miss_key_of(connection.scalar(
        select(m.text).where(m.visitor_id == visitor, m.client_msg_id == message.reply_to)))
    if key:
        connection.execute(update(Message.__table__).where(m.id == message.id)
                           .values(miss_key=key))
        set_committed_value(message, "miss_key", key)


@event.listens_for(ConversationEvent, "after_insert")
def _figures_of_an_event(mapper, connection, event_) -> None:
    """Keep the handoff, queue and abandonment figures as events are stored.

    The earliest handoff also settles the first response: the first agent line at or
    after it, looked up once (ix_messages_conversation_sender), in case replies were
    stored first.
    """
    c, at, cid = Conversation.__table__.c, event_.created_at, event_.conversation_id
    if event_.kind == "escalated":
        first_reply = (select(func.min(Message.created_at))
                       .where(Message.conversation_id == cid, Message.sender == "agent",
                              Message.created_at >= at).scalar_subquery())
        _set_figure(connection, cid, (c.first_handoff_at.is_(None)) | (c.first_handoff_at > at),
                    first_handoff_at=at, first_handoff_reason=event_.reason,
                    first_response_at=first_reply)
    if event_.to_state == "waiting":
        _set_figure(connection, cid, (c.queued_at.is_(None)) | (c.queued_at < at), queued_at=at)
    if event_.kind == "abandoned":
        _set_figure(connection, cid, (c.abandoned_at.is_(None)) | (c.abandoned_at < at),
                    abandoned_at=at)


class AgentConnection(db.Model):
    """One open /agent socket: presence is derived from these rows, so every process sees it.

    A process refreshes ``heartbeat_at`` of its own rows; rows of a process that died
    stop being refreshed and count as offline once older than ``PRESENCE_TTL_SECONDS``.
    """

    __tablename__ = "agent_connections"
    __table_args__ = (Index("ix_agent_connections_user", "user_id"),)

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    process_id: Mapped[str] = mapped_column(String(64))
    #: The browser login the socket rode in on, so logging out there cuts the socket.
    login_id: Mapped[Optional[str]] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="online")
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VisitorConnection(db.Model):
    """One open /visitor socket, so every process knows whether a visitor is still there.

    Mirrors :class:`AgentConnection`: the owning process refreshes ``heartbeat_at``; rows
    of a dead process count as gone once older than ``PRESENCE_TTL_SECONDS``.  A waiting
    visitor with no live row for ``abandon_after_seconds`` leaves the queue
    (:mod:`kefu.services.lifecycle_jobs`).
    """

    __tablename__ = "visitor_connections"
    __table_args__ = (Index("ix_visitor_connections_visitor", "visitor_id", "heartbeat_at"),)

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    visitor_id: Mapped[int] = mapped_column(ForeignKey("visitors.id", ondelete="CASCADE"))
    process_id: Mapped[str] = mapped_column(String(64))
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Lease(db.Model):
    """A named lease one process holds until ``expires_at``: periodic jobs run once per
    deployment, by whoever holds ``lifecycle`` (:mod:`kefu.services.lease`)."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Setting(db.Model):
    """A desk-wide setting (business hours, auto-assign, limits) as a JSON value."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Optional[dict]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Ticket(db.Model):
    """A message left by a visitor when nobody could chat; agents answer it later."""

    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visitor_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("visitors.id", ondelete="SET NULL"))
    conversation_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    reply_text: Mapped[Optional[str]] = mapped_column(Text)
    replied_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    replied_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: When the answer was handed to the mail server; null when no mail is configured.
    reply_emailed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    replied_by: Mapped[Optional[User]] = relationship()


class CannedReply(db.Model):
    """A saved answer agents insert with ``/shortcut``; may hold ``{visitor_name}`` etc."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    shortcut: Mapped[str] = mapped_column(String(32), unique=True)
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


#: The condition of the partial unique index that lets one training run per deployment.
TRAINING_CONDITION = text("status = 'training'")
MODEL_STATUSES = ("training", "ready", "failed", "published", "pruned")


class ModelVersion(db.Model):
    """A bot model trained from the studio: who started it, when, how it scored, where it is.

    Its files (model and the intent files it learned from) sit in
    ``instance/models/<id>/``; the published one is what every process serves. At most
    one row is ``training`` at a time (a partial unique index), so a second Retrain,
    from any process, is refused.
    """

    __tablename__ = "model_versions"
    __table_args__ = (
        Index("uq_model_versions_one_training", "status", unique=True,
              sqlite_where=TRAINING_CONDITION, postgresql_where=TRAINING_CONDITION),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="training")
    trained_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    published_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    published_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    intents_fingerprint: Mapped[Optional[str]] = mapped_column(String(64))
    #: Scores, per-intent F1 and the comparison with the model published when it finished.
    summary: Mapped[Optional[dict]] = mapped_column(JSON)
    error: Mapped[Optional[str]] = mapped_column(Text)

    trained_by: Mapped[Optional[User]] = relationship(foreign_keys=[trained_by_id])
    published_by: Mapped[Optional[User]] = relationship(foreign_keys=[published_by_id])


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: WAL so readers never block the writer, and enforce foreign keys."""
    module = type(dbapi_connection).__module__
    if "sqlite" not in module:
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class AuditEntry(db.Model):
    """One admin or editor action: who changed what, when, and the values before and after.

    Written in the same transaction as the change it describes, so the log never claims
    a change that was rolled back nor misses one that was committed.  Secrets (passwords,
    tokens) are never stored: their entries say only that they changed.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_created", "created_at"),
                      Index("ix_audit_log_action_created", "action", "created_at"),
                      Index("ix_audit_log_actor_created", "actor_user_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_user_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    #: Who acted, as they were named then (an email, or "cli" for the command line).
    actor_label: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(48))
    target_kind: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[Optional[str]] = mapped_column(String(64))
    old_value: Mapped[Optional[dict]] = mapped_column(JSON)
    new_value: Mapped[Optional[dict]] = mapped_column(JSON)


class InboxDismissal(db.Model):
    """A question an editor dismissed from the learning inbox: it never comes back.

    Keyed by the question's normalised text (``bot.text.normalize``), the inbox's own
    key, so "Hi?" and "hi" asked later stay dismissed too.
    """

    __tablename__ = "inbox_dismissals"
    __table_args__ = (UniqueConstraint("key", name="uq_inbox_dismissals_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(500))
    #: One of the texts as the visitor wrote it, for the audit log and the undo.
    text: Mapped[str] = mapped_column(String(500))
    dismissed_by_user_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
