"""`/ws/calls/{id}/audio`: one track of a call's audio, from the capture page or `secondear replay`.

Binary messages are PCM16 frames fed to the call's session; text messages are JSON control.
The server acknowledges audio only once its clock is stored, so a client that keeps what is
not acknowledged loses nothing when the connection (or the server) drops.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, WebSocket
from pydantic import ValidationError
from starlette.websockets import WebSocketDisconnect

from app import protocol
from app.api.sockets import Channel, admit, first_of
from app.audio.frames import FrameError, check_frame
from app.auth.rules import CaptureCall
from app.calls.session import AudioClaim, CallSession
from app.deps import LiveDep
from app.protocol import CloseCode
from nlp.types import SPEAKERS, Speaker

router = APIRouter()
ACK_SECONDS = 0.5
BAD_FORMAT = f"Audio must be PCM16 little-endian, mono, at {protocol.SAMPLE_RATE} Hz."


@dataclass(frozen=True, slots=True)
class _Refusal:
    """Why the server closes an audio socket: close code, error code, a sentence for the client."""

    close_code: CloseCode
    code: str
    message: str


@router.websocket("/ws/calls/{call_id}/audio")
async def audio_socket(ws: WebSocket, grant: CaptureCall, live: LiveDep) -> None:
    admitted = await admit(ws, grant, live)
    channel, session = admitted.channel, admitted.session
    try:
        await _stream(channel, session)
    finally:
        live.calls.forget_if_idle(session)


async def _stream(channel: Channel, session: CallSession) -> None:
    track_name = channel.ws.query_params.get("track")
    if track_name not in SPEAKERS:
        return await channel.refuse(
            CloseCode.BAD_MESSAGE, "bad_track", "The track must be interviewer or customer."
        )
    track: Speaker = "interviewer" if track_name == "interviewer" else "customer"
    if session.ended:
        return await channel.refuse(CloseCode.ENDED, "ended", "The call has ended.")
    claim = await session.claim(track)
    if claim is None:
        return await channel.refuse(
            CloseCode.BUSY, "busy", f"The {track} track is already streaming from another connection."
        )
    # `mixed=1`: one microphone hears both people (an in-person interview); see app/calls/one_track.py.
    await session.set_mixed(track, channel.ws.query_params.get("mixed") == "1")
    try:
        await session.align(track)
        try:
            await channel.send(protocol.Ready(track=track, received_samples=session.received[track]))
        except (WebSocketDisconnect, OSError, RuntimeError):
            return  # the client left before `ready`: nothing went wrong here
        receiver = asyncio.create_task(_receive(channel, session, claim))
        acker = asyncio.create_task(_acknowledge(channel, session, track))
        kicked = asyncio.create_task(claim.kick.wait())
        await first_of(receiver, acker, kicked)
        refusal = receiver.result() if receiver.done() and not receiver.cancelled() else None
        if refusal is not None:
            await channel.refuse(refusal.close_code, refusal.code, refusal.message)
        elif claim.kick.is_set():
            if claim.close_code == CloseCode.ENDED:
                await _final_ack(channel, session, track)
            await channel.refuse(claim.close_code, "closed", claim.close_reason)
    finally:
        session.release(claim)


async def _receive(channel: Channel, session: CallSession, claim: AudioClaim) -> _Refusal | None:
    """Feed frames and obey control messages until the client leaves (None) or errs."""
    ws, track = channel.ws, claim.track
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return None
        claim.last_seen = time.monotonic()
        data: bytes | None = message.get("bytes")
        if data is not None:
            try:
                check_frame(data)
            except FrameError as exc:
                return _Refusal(CloseCode.BAD_MESSAGE, "bad_frame", str(exc))
            if session.ended:
                return _Refusal(CloseCode.ENDED, "ended", "The call has ended.")
            session.feed(track, data)
            continue
        refusal = await _control(channel, session, track, message.get("text") or "")
        if refusal is not None:
            return refusal


async def _control(channel: Channel, session: CallSession, track: Speaker, text: str) -> _Refusal | None:
    try:
        msg: Any = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply
        return _Refusal(CloseCode.BAD_MESSAGE, "bad_message", "Control messages must be JSON objects.")
    kind = msg.get("type") if isinstance(msg, dict) else None
    try:
        control = protocol.AUDIO_CONTROL.validate_python(msg)
    except ValidationError:
        if kind == "hello":
            return _Refusal(CloseCode.BAD_MESSAGE, "bad_format", BAD_FORMAT)
        return _Refusal(
            CloseCode.BAD_MESSAGE, "unknown_message", f"Unknown message type {kind!r} on the audio socket."
        )
    if isinstance(control, protocol.Hello):
        if control.sample_rate != protocol.SAMPLE_RATE or control.format != "pcm16le":
            return _Refusal(CloseCode.BAD_MESSAGE, "bad_format", BAD_FORMAT)
    elif isinstance(control, protocol.Ping):
        await channel.send(protocol.AudioPong())
    elif isinstance(control, (protocol.Pause, protocol.Resume)):
        session.pause(track, isinstance(control, protocol.Pause))
    else:
        await session.end_track(track)
        # `flushed`: the track's last words are transcribed and announced; the client may leave.
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await channel.send(protocol.Ack(received_samples=session.persisted[track], flushed=True))
    return None


async def _acknowledge(channel: Channel, session: CallSession, track: Speaker) -> None:
    """Tell the client, at least once a second while audio flows, how much audio is stored."""
    acked = session.persisted[track]
    try:
        while True:
            await asyncio.sleep(ACK_SECONDS)
            await session.checkpoint()
            if session.persisted[track] > acked:
                acked = session.persisted[track]
                await channel.send(protocol.Ack(received_samples=acked))
    except (WebSocketDisconnect, RuntimeError):
        return


async def _final_ack(channel: Channel, session: CallSession, track: Speaker) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        await channel.send(protocol.Ack(received_samples=session.persisted[track]))
