// @ts-check
// Generated from nlp/rules/messages.jsonl by `python -m app.protocol_docs --write`; do not edit.
// The names, coaching lines and suggestions of every flag and nudge kind, as the live cards
// and the report word them.

/** @type {Readonly<Record<string, {title: string, message: string, suggestion: string|null}>>} */
export const WORDING = Object.freeze({
  "leading_question": {
    "title": "Leading question",
    "message": "Leading question: it tells the customer the answer you hope for. Ask neutrally and let them choose the words.",
    "suggestion": "Ask without the hint: \"What was that like?\""
  },
  "compliment_fishing": {
    "title": "Fishing for compliments",
    "message": "Fishing for compliments: people are polite about your idea. Ask about what they do today instead.",
    "suggestion": "Ask about their problem instead: \"What's the hardest part of that today?\""
  },
  "hypothetical_question": {
    "title": "Hypothetical question",
    "message": "Hypothetical question: people predict their future badly. Ask about the last time it actually happened.",
    "suggestion": "Ask about the past: \"Tell me about the last time that happened.\""
  },
  "pitch": {
    "title": "Pitching",
    "message": "Pitching: describing what we build turns the interview into a sales call. Save it for the end and keep listening.",
    "suggestion": "What would have to be true for that to matter to you?"
  },
  "hot_tip": {
    "title": "Explaining instead of listening",
    "message": "Hot tip: explaining the product or handing over a fix ends the story. Note it, and ask how they deal with it today.",
    "suggestion": "How do you deal with that today?"
  },
  "stacked_questions": {
    "title": "Several questions at once",
    "message": "Stacked questions: several questions at once let the customer pick the easiest. Ask one, then wait.",
    "suggestion": "Ask one question, then wait."
  },
  "closed_question": {
    "title": "Closed question",
    "message": "Closed question: it invites a yes, a no or one fact. Open it up so the customer tells the story.",
    "suggestion": "Ask it open: \"How do you handle that today?\""
  },
  "reflection": {
    "title": "Good reflection",
    "message": "Good reflection: paraphrasing shows you listened and invites them to go on.",
    "suggestion": null
  },
  "pain": {
    "title": "Pain point",
    "message": "Pain: the customer named something that hurts. Ask for the last time it happened and what it cost.",
    "suggestion": "Tell me about the last time that happened."
  },
  "workaround": {
    "title": "Workaround",
    "message": "Workaround: the customer patches a gap themselves. Ask them to walk you through it.",
    "suggestion": "Walk me through how you do that."
  },
  "talk_share": {
    "title": "You're doing most of the talking",
    "message": "You spoke {percent}% of the last {minutes} minutes; aim for under {target}%.",
    "suggestion": "Ask one open question and let the silence work."
  },
  "monologue": {
    "title": "Long monologue",
    "message": "You have been talking for {seconds} seconds without handing over.",
    "suggestion": "Wrap up and hand it back: \"What's your take on that?\""
  },
  "interruption": {
    "title": "Interrupted the customer",
    "message": "You started talking while the customer was still speaking.",
    "suggestion": "Let them finish; jot your thought down and come back to it."
  },
  "no_patience": {
    "title": "Leave room after answers",
    "message": "You filled the silence within a second after the customer stopped, {count} times recently.",
    "suggestion": "Count to three before you speak: the most useful part often comes after a pause."
  },
  "rapid_fire": {
    "title": "Rapid back-and-forth",
    "message": "Speakers switch {rate} times a minute: short questions, short answers.",
    "suggestion": "Ask for a story: \"Tell me about the last time that happened.\""
  },
  "follow_up_workaround": {
    "title": "Follow up: a workaround",
    "message": "The customer described a workaround: a sign of a real problem worth exploring.",
    "suggestion": "Walk me through how you do that."
  },
  "follow_up_pain": {
    "title": "Follow up: a pain",
    "message": "The customer mentioned something painful; dig into it before moving on.",
    "suggestion": "Tell me about the last time that happened. What did it cost you?"
  }
});
