"""The MITI form of the question a turn leaves the customer to answer."""

from __future__ import annotations

import pytest

from nlp.types import Utterance

OPEN = [
    "What happened after the import failed?",
    "How do you pick which invoices to chase first?",
    "Why did your team drop the old tool?",
    "Where does the file go once it's approved?",
    "Tell me about the last time the numbers didn't match.",
    "Walk me through your Monday morning.",
    "Can you walk me through how you set that up?",
    "Could you describe what the handover looks like?",
    "Would you mind telling me how the budget gets approved?",
    "I'd love to hear how you got started with it.",
    "I'm curious about how the team reacted.",
    "Hmm. Say more about that.",
    "What else?",
    "Why?",
    "What sort of problems?",
    "Anything else you'd add?",
    "How has that been going for you?",
    "In what ways has the new process changed things?",
    # ASR drops question marks
    "what do you do when the sync breaks",
    "so tell me how you handle refunds today",
    # several sentences: the last question decides
    "Do you use the dashboard? What do you look at first?",
    "Okay. So you export it weekly. How does that fit into your week?",
    "Is it the export? Or what is it that makes it slow?",
    # polite requests said as yes/no questions or as statements (real interviews, grouped-CV errors)
    "Would you mind giving me an example where you had an issue with scalability?",
    "Okay. Interesting. And can you go a bit deeper on relevance, like an example?",
    "Could I get you to sketch out the entirety of the data that's stored by this dataset?",
    "Okay. If you could summarize the important information you found on this page for me.",
    "And you also mentioned business logic. Do you have an example for that?",
    "So do you know how the data scientists evaluate the quality of their models?",
    "Yeah. Let's go deeper in security.",
    "Why it's challenging?",
    "Okay. And so the next question is for what purpose do you use AI at your company?",
]
CLOSED = [
    "Do you use a spreadsheet for this?",
    "Does your manager sign off on it?",
    "Did the export work last time?",
    "Have you ever missed a deadline because of it?",
    "Is the report ready by Friday?",
    "Are you the person who approves refunds?",
    "Can you export it to PDF?",
    "Would you say it was hard to learn?",
    "Was it the login that failed, or the sync?",
    "How many people are on your team?",
    "When did you start using it?",
    "Which tool do you use for that?",
    "What time does the report go out?",
    "So you run the export every Monday?",
    "And that's every week, right?",
    "It's a lot of copying, isn't it?",
    "Yeah?",
    "On a scale of 1 to 10, how painful is it?",
    # a restart repeats the question: the scale named before the dash still rates it
    "So, on a scale of 1 to 100, how serious-- how important is it to sort it out?",
    "Okay. So if you had to give it that one to 5 score, where would you land?",
    "How long would it take you generally to find the information?",
    # ASR drops question marks
    "do you use excel for that",
    # several sentences: the last question decides
    "How do you plan the week? Is it always on Mondays?",
    "What tools do you use, and is it painful?",
    "Tell me about your process. Do you do it alone?",
]
NOT_A_QUESTION = [
    "Thanks for making time today.",
    "Got it.",
    "Mm-hmm.",
    "That's really helpful.",
    "What you want to do is set up a saved filter.",
    "What I'm hearing is that the numbers arrive late.",
    "When I worked in finance we had the same problem.",
    "How you do it is up to you.",
    "What's important is that it works.",
    "So it sounds like the export takes most of Friday.",
    "",
]


@pytest.mark.parametrize("text", OPEN)
def test_question_form_open(tagger, text):
    assert tagger.tag(Utterance("interviewer", text)).question == "open"


@pytest.mark.parametrize("text", CLOSED)
def test_question_form_closed(tagger, text):
    assert tagger.tag(Utterance("interviewer", text)).question == "closed"


@pytest.mark.parametrize("text", NOT_A_QUESTION)
def test_question_form_statement_asks_nothing(tagger, text):
    assert tagger.tag(Utterance("interviewer", text)).question is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wha-wha-what do you think made them leave?", "open"),
        ("Do you-- How often do you run it?", "open"),
        ("So-so, d-do you use it daily?", "closed"),
    ],
)
def test_question_form_survives_disfluencies(tagger, text, expected):
    assert tagger.tag(Utterance("interviewer", text)).question == expected


def test_question_form_is_read_for_customers_too(tagger):
    # Reports find the interviewer as the speaker who asks the most questions.
    tag = tagger.tag(Utterance("customer", "Do you want me to share my screen?"))
    assert tag.question == "closed"
    assert tag.flags == []
