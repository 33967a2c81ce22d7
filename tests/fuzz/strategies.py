"""Hostile inputs: arbitrary JSON, strings the database cannot store, deep nesting."""
from hypothesis import strategies as st

#: Field names the events and endpoints read, so fuzzed objects reach the checks.
FIELDS = ["client_msg_id", "text", "intent", "conversation_id", "message_id", "typing",
          "rating", "comment", "name", "email", "to_agent_id", "note", "status",
          "shortcut", "value", "page", "token", "locale"]

hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["a\ud800b", "\udfff", "a\x00b", "\x00", "\u202eevil\u202c",
                     "\u200f\u200e", "转人工", " ", "", "x" * 10_000, "好" * 10_000,
                     "\ufeff", "../../etc/passwd", "<script>alert(1)</script>"]),
    st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1,
            max_size=3),
)

scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**63, max_value=2**63),
                    st.integers(min_value=-3, max_value=5),
                    st.floats(allow_nan=False, allow_infinity=False), hostile_text)


def _nest(depth: int):
    value = {"text": "deep"}
    for i in range(depth):
        value = [value] if i % 2 else {"conversation_id": value}
    return value


json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.one_of(st.sampled_from(FIELDS), hostile_text),
                                            inner, max_size=5)),
    max_leaves=12,
) | st.integers(min_value=20, max_value=300).map(_nest)

#: Objects with the known fields set to anything: these get past ``require_dict``.
field_objects = st.dictionaries(st.sampled_from(FIELDS), json_values | scalars, max_size=6)

payloads = st.one_of(field_objects, json_values)

#: The arguments of one event: none, one payload, or too many.
arguments = st.one_of(st.just(()), payloads.map(lambda p: (p,)),
                      st.tuples(payloads, payloads), st.tuples(payloads, payloads, scalars))
