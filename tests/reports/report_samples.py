"""A hand-tagged customer interview for report tests: the tags are what the detectors would
say, written out so the report logic is tested on its own."""

from __future__ import annotations

from nlp.types import Flag, FlagHit, Interval, Tag, TaggedUtterance, Utterance

MESSAGES = {
    Flag.CLOSED_QUESTION: "A yes/no question gets a yes or a no; ask them to tell.",
    Flag.LEADING_QUESTION: "This question suggests its answer.",
    Flag.HYPOTHETICAL_QUESTION: "Ask about what they did, not what they would do.",
    Flag.HOT_TIP: "You explained the product; let them struggle and tell.",
    Flag.PITCH: "You described what we are building; save it for later.",
    Flag.STACKED_QUESTIONS: "Several questions at once; ask one.",
    Flag.COMPLIMENT_FISHING: "Asking what they think of our idea gets politeness.",
}


def tag(question: str | None = None, *flags: Flag, evidence: str = "", suggestion: str | None = None) -> Tag:
    hits = tuple(FlagHit(f, f"test.{f.value}", evidence, MESSAGES.get(f, "")) for f in flags)
    message = next((h.message for h in hits if h.message), None)
    return Tag(question=question, hits=hits, message=message, suggestion=suggestion)  # type: ignore[arg-type]


# (speaker, start, end, text, tag)
ROWS: list[tuple[str, float, float, str, Tag]] = [
    (
        "interviewer",
        2.0,
        9.5,
        "Thanks for making time. Can you walk me through the last time you closed the month?",
        tag("open"),
    ),
    (
        "customer",
        10.4,
        31.0,
        "Sure. So on the last working day I export everything from the bank into a spreadsheet, "
        "then I match every invoice by hand. It takes me most of the day and honestly I dread it.",
        tag(None, Flag.WORKAROUND, Flag.PAIN, evidence="match every invoice by hand"),
    ),
    (
        "interviewer",
        31.1,
        35.0,
        "Do you use Excel for this?",
        tag("closed", Flag.CLOSED_QUESTION, suggestion="How do you handle this today?"),
    ),
    ("customer", 35.6, 38.0, "Yes, Excel.", tag()),
    ("interviewer", 40.0, 44.0, "So the matching is the slow part.", tag(None, Flag.REFLECTION)),
    (
        "customer",
        45.2,
        70.0,
        "Exactly. The bank descriptions are cut off, so I keep a sticky note of which client "
        "uses which reference. When I'm away nobody else can do it.",
        tag(None, Flag.WORKAROUND, evidence="keep a sticky note"),
    ),
    (
        "interviewer",
        70.5,
        128.0,
        "Right, so actually our tool does that for you, you can just connect the bank feed "
        "and it matches automatically. We're also building a rules engine next quarter "
        "so you won't need the notes. "
        "It's really powerful, we spent a lot of time on the matching algorithm and the team is proud of it.",
        tag(None, Flag.HOT_TIP, Flag.PITCH, evidence="you can just connect the bank feed"),
    ),
    ("customer", 127.6, 131.0, "Oh, okay.", tag()),
    (
        "interviewer",
        131.1,
        137.0,
        "Wouldn't it be great if it was all automatic? Would you pay for that?",
        tag(
            "closed",
            Flag.LEADING_QUESTION,
            Flag.HYPOTHETICAL_QUESTION,
            Flag.STACKED_QUESTIONS,
            suggestion="What have you tried so far to speed this up?",
        ),
    ),
    (
        "customer",
        138.5,
        150.0,
        "I guess, it depends on the price. I'm frustrated with the tools I tried.",
        tag(None, Flag.PAIN, evidence="frustrated with the tools"),
    ),
    ("interviewer", 152.0, 156.0, "Tell me more about the tools you tried.", tag("open")),
    (
        "customer",
        157.0,
        200.0,
        "We tried two apps last year. Both needed the accountant to set up rules and we gave "
        "up after a month because nobody kept them current.",
        tag(),
    ),
]

TAGGED: list[TaggedUtterance] = [
    TaggedUtterance(Utterance(s, text, start, end), t)  # type: ignore[arg-type]
    for s, start, end, text, t in ROWS
]

# VAD speech, with pauses inside turns (so talk time is less than the turn spans).
SPEECH = {
    "interviewer": [
        Interval(2.0, 5.0),
        Interval(5.6, 9.5),
        Interval(31.1, 35.0),
        Interval(40.0, 44.0),
        Interval(70.5, 100.0),
        Interval(100.8, 128.0),
        Interval(131.1, 137.0),
        Interval(152.0, 156.0),
    ],
    "customer": [
        Interval(10.4, 20.0),
        Interval(21.0, 31.0),
        Interval(35.6, 38.0),
        Interval(45.2, 70.0),
        Interval(127.6, 131.0),
        Interval(138.5, 150.0),
        Interval(157.0, 200.0),
    ],
}


def untimed() -> list[TaggedUtterance]:
    return [TaggedUtterance(Utterance(t.utterance.speaker, t.utterance.text), t.tag) for t in TAGGED]
