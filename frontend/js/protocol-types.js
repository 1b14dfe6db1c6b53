// @ts-check
// Generated from app/protocol.py (via protocol.schema.json) by `python -m app.protocol_docs
// --write`; do not edit. Import the types with `@typedef {import('./protocol-types.js').Nudge}`.

/**
 * @typedef {Object} Ack
 * @property {"ack"} type
 * @property {number} received_samples Audio stored up to here: the client may drop what it buffered before it.
 * @property {(boolean|null)} [flushed] True in the answer to `end`.
 */

/**
 * @typedef {Object} AudioPong
 * @property {"pong"} type
 */

/**
 * A call, as the HTTP API and the `state` and `call.ended` events carry it.
 * @typedef {Object} Call
 * @property {string} id
 * @property {string} title
 * @property {string} interviewer
 * @property {(string|null)} customer
 * @property {boolean} recording_consent
 * @property {boolean} recording Audio is being recorded (consent given and recording enabled).
 * @property {("live"|"ended")} status
 * @property {number} created_at
 * @property {(number|null)} ended_at
 * @property {(number|null)} call_time Seconds of audio received so far (None when not loaded).
 */

/**
 * The socket stays open: a buddy's late flags, notes and ratings may follow.
 * @typedef {Object} CallEnded
 * @property {number} seq Increasing per call; `pong` and `error` repeat the current one.
 * @property {number} call_time
 * @property {number} sent_at
 * @property {"call.ended"} type
 * @property {Call} call
 */

/**
 * No more audio on this track; answered by `ack` with `flushed` once its last words are out.
 * @typedef {Object} End
 * @property {"end"} type
 */

/**
 * What went wrong, in a sentence a person can act on; a close follows for fatal errors. On the events socket it repeats the current `seq`, `call_time` and `sent_at`.
 * @typedef {Object} Error
 * @property {"error"} type
 * @property {string} code
 * @property {string} message
 * @property {(number|null)} [seq]
 * @property {(number|null)} [call_time]
 * @property {(number|null)} [sent_at]
 */

/**
 * One transcribed, tagged utterance.
 * @typedef {Object} Final
 * @property {string} id
 * @property {("interviewer"|"customer")} speaker
 * @property {number} start
 * @property {number} end
 * @property {string} text
 * @property {(("open"|"closed")|null)} question The form of the question the customer is left to answer; null: no question.
 * @property {Array<string>} flags The detectors' flags, in a stable order, without repeats.
 * @property {(string|null)} message The coaching line of the most important flag.
 * @property {(string|null)} suggestion An open rephrase, for closed and leading questions.
 */

/**
 * @typedef {Object} FinalEvent
 * @property {string} id
 * @property {("interviewer"|"customer")} speaker
 * @property {number} start
 * @property {number} end
 * @property {string} text
 * @property {(("open"|"closed")|null)} question The form of the question the customer is left to answer; null: no question.
 * @property {Array<string>} flags The detectors' flags, in a stable order, without repeats.
 * @property {(string|null)} message The coaching line of the most important flag.
 * @property {(string|null)} suggestion An open rephrase, for closed and leading questions.
 * @property {number} seq Increasing per call; `pong` and `error` repeat the current one.
 * @property {number} call_time
 * @property {number} sent_at
 * @property {"transcript.final"} type
 */

/**
 * @typedef {Object} FlagEvent
 * @property {string} id
 * @property {number} at
 * @property {(string|null)} note
 * @property {("interviewer"|"buddy"|"viewer")} by
 * @property {number} seq Increasing per call; `pong` and `error` repeat the current one.
 * @property {number} call_time
 * @property {number} sent_at
 * @property {"flag"} type
 */

/**
 * A moment the buddy marked.
 * @typedef {Object} FlagMark
 * @property {string} id
 * @property {number} at
 * @property {(string|null)} note
 * @property {("interviewer"|"buddy"|"viewer")} by
 */

/**
 * Flag the moment now (call time).
 * @typedef {Object} FlagRequest
 * @property {"flag"} type
 * @property {(string|null)} [note]
 */

/**
 * Optional, first: the audio format. Any other rate or format is refused (`bad_format`).
 * @typedef {Object} Hello
 * @property {"hello"} type
 * @property {number} [sample_rate]
 * @property {string} [format]
 */

/**
 * @typedef {Object} NoteEvent
 * @property {string} id
 * @property {number} at
 * @property {(string|null)} text
 * @property {("interviewer"|"buddy"|"viewer")} by
 * @property {number} seq Increasing per call; `pong` and `error` repeat the current one.
 * @property {number} call_time
 * @property {number} sent_at
 * @property {"note"} type
 */

/**
 * @typedef {Object} NoteMark
 * @property {string} id
 * @property {number} at
 * @property {(string|null)} text
 * @property {("interviewer"|"buddy"|"viewer")} by
 */

/**
 * @typedef {Object} NoteRequest
 * @property {"note"} type
 * @property {string} text
 */

/**
 * A nudge the policy let through, as the buddy pane shows it. The one nudge type from detection to the wire: the detectors' candidates, the stored rows (held ones included, for the report) and the `nudge` events are all this model; the fields after `helpful` are the server's own and never sent.
 * @typedef {Object} Nudge
 * @property {string} id
 * @property {string} kind A detector flag (`closed_question`, …), a timing rule (`talk_share`, …) or `follow_up`.
 * @property {("info"|"warning"|"critical")} severity Set by the policy from the kind (setting `SECONDEAR_NUDGE_SEVERITY`).
 * @property {string} title
 * @property {string} message
 * @property {string} evidence The utterance for text flags and follow-ups, the measured fact for timing nudges.
 * @property {(string|null)} suggestion
 * @property {(string|null)} utterance_id
 * @property {number} at The call time it is about (the end of the utterance, or when a timing rule fired).
 * @property {(boolean|null)} helpful The buddy's rating; null until rated.
 */

/**
 * @typedef {Object} NudgeEvent
 * @property {string} id
 * @property {string} kind A detector flag (`closed_question`, …), a timing rule (`talk_share`, …) or `follow_up`.
 * @property {("info"|"warning"|"critical")} severity Set by the policy from the kind (setting `SECONDEAR_NUDGE_SEVERITY`).
 * @property {string} title
 * @property {string} message
 * @property {string} evidence The utterance for text flags and follow-ups, the measured fact for timing nudges.
 * @property {(string|null)} suggestion
 * @property {(string|null)} utterance_id
 * @property {number} at The call time it is about (the end of the utterance, or when a timing rule fired).
 * @property {(boolean|null)} helpful The buddy's rating; null until rated.
 * @property {number} seq Increasing per call; `pong` and `error` repeat the current one.
 * @property {number} call_time
 * @property {number} sent_at
 * @property {"nudge"} type
 */

/**
 * @typedef {Object} PartialEvent
 * @property {("interviewer"|"customer")} speaker
 * @property {number} start
 * @property {number} end
 * @property {string} text
 * @property {number} seq Increasing per call; `pong` and `error` repeat the current one.
 * @property {number} call_time
 * @property {number} sent_at
 * @property {"transcript.partial"} type
 */

/**
 * The interviewer paused capture; the track's clock does not advance while paused.
 * @typedef {Object} Pause
 * @property {"pause"} type
 */

/**
 * Answered by `pong`.
 * @typedef {Object} Ping
 * @property {"ping"} type
 */

/**
 * @typedef {Object} Pong
 * @property {number} seq Increasing per call; `pong` and `error` repeat the current one.
 * @property {number} call_time
 * @property {number} sent_at
 * @property {"pong"} type
 */

/**
 * @typedef {Object} RateRequest
 * @property {"rate"} type
 * @property {string} nudge_id
 * @property {boolean} helpful
 */

/**
 * @typedef {Object} RatingEvent
 * @property {number} seq Increasing per call; `pong` and `error` repeat the current one.
 * @property {number} call_time
 * @property {number} sent_at
 * @property {"rating"} type
 * @property {string} nudge_id
 * @property {boolean} helpful
 */

/**
 * First message on the audio socket.
 * @typedef {Object} Ready
 * @property {"ready"} type
 * @property {("interviewer"|"customer")} track
 * @property {number} received_samples How much of this track the server holds: a reconnecting client resends from here.
 */

/**
 * @typedef {Object} Resume
 * @property {"resume"} type
 */

/**
 * Always first: the call so far, for late joiners and reconnects.
 * @typedef {Object} State
 * @property {number} seq Increasing per call; `pong` and `error` repeat the current one.
 * @property {number} call_time
 * @property {number} sent_at
 * @property {"state"} type
 * @property {Call} call
 * @property {("interviewer"|"buddy"|"viewer")} role
 * @property {Array<Final>} transcript
 * @property {Array<Nudge>} nudges
 * @property {Array<FlagMark>} flags
 * @property {Array<NoteMark>} notes
 * @property {Array<WhisperMark>} whispers
 * @property {(Talk|null)} talk
 * @property {number} talk_share_target The goal for the interviewer's share of the talk, 0 to 1 (setting `SECONDEAR_TALK_SHARE_TARGET`).
 */

/**
 * Who talks how much.
 * @typedef {Object} Talk
 * @property {(number|null)} interviewer_share_rolling The interviewer's share of the talk in the rolling window (0 to 1); null before enough speech.
 * @property {(number|null)} interviewer_share The interviewer's share of the whole call so far (0 to 1).
 * @property {number} window_seconds
 * @property {Array<("interviewer"|"customer")>} speaking
 * @property {number} monologue_seconds How long the interviewer has been talking without handing over.
 * @property {Object<string, number>} talk_seconds
 */

/**
 * At least once a second while audio flows.
 * @typedef {Object} TalkEvent
 * @property {(number|null)} interviewer_share_rolling The interviewer's share of the talk in the rolling window (0 to 1); null before enough speech.
 * @property {(number|null)} interviewer_share The interviewer's share of the whole call so far (0 to 1).
 * @property {number} window_seconds
 * @property {Array<("interviewer"|"customer")>} speaking
 * @property {number} monologue_seconds How long the interviewer has been talking without handing over.
 * @property {Object<string, number>} talk_seconds
 * @property {number} seq Increasing per call; `pong` and `error` repeat the current one.
 * @property {number} call_time
 * @property {number} sent_at
 * @property {"talk"} type
 */

/**
 * @typedef {Object} WhisperEvent
 * @property {string} id
 * @property {number} at
 * @property {(string|null)} text
 * @property {(string|null)} nudge_id
 * @property {("interviewer"|"buddy"|"viewer")} by
 * @property {number} seq Increasing per call; `pong` and `error` repeat the current one.
 * @property {number} call_time
 * @property {number} sent_at
 * @property {"whisper"} type
 */

/**
 * The buddy's message for the interviewer.
 * @typedef {Object} WhisperMark
 * @property {string} id
 * @property {number} at
 * @property {(string|null)} text
 * @property {(string|null)} nudge_id
 * @property {("interviewer"|"buddy"|"viewer")} by
 */

/**
 * @typedef {Object} WhisperRequest
 * @property {"whisper"} type
 * @property {string} text
 * @property {(string|null)} [nudge_id]
 */

/** @typedef {State | PartialEvent | FinalEvent | TalkEvent | NudgeEvent | FlagEvent | NoteEvent | WhisperEvent | RatingEvent | CallEnded | Pong | Error} ServerEvent */

/** Audio on the wire: PCM16 little-endian, mono, this many samples a second. */
export const SAMPLE_RATE = 16000;

/** The interviewer's talk-share goal until `state` says the server's (setting's default). */
export const DEFAULT_TALK_SHARE_TARGET = 0.3;

export const CLOSE_CODES = Object.freeze({
  NORMAL: 1000,
  RESTARTING: 1012,
  OVERLOADED: 1013,
  BAD_MESSAGE: 4400,
  BAD_TOKEN: 4401,
  NOT_ALLOWED: 4403,
  NO_CALL: 4404,
  ENDED: 4409,
  BUSY: 4429,
});
