"""Speech from espeak-ng: words, short phrases, numbers, counting and countdowns in male and
female voice variants, accents and speeds.

Counted speech is synthesised one word at a time and joined with stated gaps, so the onset of
every word is known exactly. Speeds are in words per minute, espeak pitch is 0-99.
"""

from __future__ import annotations

import io
import shutil
import subprocess

import numpy as np
import soundfile as sf

from .audio import MAX_DURATION_S, resample, to_mono, trim_leading_silence, trim_trailing_silence
from .clip import Rendered, pick, uniform
from .errors import MissingDependency

# espeak-ng variant -> (speaker as captions say it, age or style word or None)
VOICES = {
    "m1": ("man", None),
    "m2": ("man", None),
    "m3": ("man", None),
    "m4": ("man", None),
    "m5": ("man", None),
    "m6": ("man", None),
    "m7": ("man", None),
    "Andy": ("man", None),
    "david": ("man", None),
    "john": ("man", None),
    "max": ("man", None),
    "paul": ("man", None),
    "robert": ("man", None),
    "grandpa": ("man", "old"),
    "f1": ("woman", None),
    "f2": ("woman", None),
    "f3": ("woman", None),
    "f4": ("woman", None),
    "f5": ("woman", None),
    "Alicia": ("woman", None),
    "Andrea": ("woman", None),
    "Annie": ("woman", None),
    "aunty": ("woman", None),
    "belinda": ("woman", None),
    "linda": ("woman", None),
    "steph": ("woman", None),
    "anika": ("woman", None),
    "grandma": ("woman", "old"),
    "whisper": ("man", "whispering"),
    "whisperf": ("woman", "whispering"),
    "robosoft": ("man", "robotic"),
}
ACCENTS = {"en-us": "American", "en": "British", "en-gb-scotland": "Scottish", "en-029": "Caribbean"}

WORDS = (
    "hello",
    "goodbye",
    "yes",
    "no",
    "okay",
    "thank you",
    "welcome",
    "stop",
    "go",
    "wait",
    "help",
    "hey",
    "ready",
    "attention",
    "warning",
    "danger",
    "error",
    "cancel",
    "start",
    "finish",
    "left",
    "right",
    "up",
    "down",
    "open",
    "close",
    "play",
    "pause",
    "record",
    "again",
    "sorry",
    "please",
    "hurry",
    "look out",
    "cheers",
    "bravo",
    "fire",
    "run",
    "jump",
    "listen",
)
PHRASES = (
    "game over",
    "level complete",
    "access denied",
    "access granted",
    "system online",
    "welcome back",
    "good morning",
    "good night",
    "see you later",
    "please wait",
    "try again",
    "mission accomplished",
    "how are you",
    "nice to meet you",
    "the door is open",
    "turn left",
    "get ready",
    "you win",
    "new message",
    "low battery",
    "recording started",
    "time is up",
    "well done",
    "let's go",
    "be careful",
    "what happened",
    "follow me",
    "the quick brown fox jumps over the lazy dog",
    "it is going to rain today",
    "where are my keys",
    "I will be right back",
    "can you hear me",
)
NUMBER_WORDS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
SPEEDS = {"slow": (110, 140), "normal": (150, 180), "fast": (200, 250)}  # words per minute


def number_words(n: int) -> str:
    """English words for 0..999, e.g. 42 -> "forty-two", 305 -> "three hundred and five"."""
    if n < 20:
        return NUMBER_WORDS[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else "-" + NUMBER_WORDS[n % 10])
    rest = n % 100
    return NUMBER_WORDS[n // 100] + " hundred" + ("" if rest == 0 else " and " + number_words(rest))


def check_available() -> None:
    if shutil.which("espeak-ng") is None:
        raise MissingDependency("espeak-ng", "the espeak-ng program is not installed")


def draw(rng: np.random.Generator) -> tuple[dict, dict]:
    """Decide one speech clip: what is said, by which voice, at which speed."""
    variant = pick(rng, sorted(VOICES))
    speaker, style = VOICES[variant]
    language = pick(rng, ["en-us", "en-us", "en", "en", "en-gb-scotland", "en-029"])
    speed = pick(rng, ["slow", "normal", "normal", "fast"])
    kind = pick(rng, ["word", "word", "phrase", "phrase", "number", "counting", "countdown"])
    params = {
        "language": language,
        "variant": variant,
        "speed_wpm": int(rng.integers(*SPEEDS[speed])),
        "pitch": int(rng.integers(30, 71)),
        "kind": kind,
    }
    attrs = {
        "speaker": speaker,
        "style": style,
        "accent": ACCENTS[language] if language != "en-us" else None,
        "speed": speed,
        "kind": kind,
    }
    if kind in ("counting", "countdown"):
        top = int(rng.integers(3, 8 if speed == "slow" else 11))
        numbers = list(range(1, top + 1)) if kind == "counting" else list(range(top, 0, -1))
        params["words"] = [NUMBER_WORDS[i] for i in numbers]
        params["gap_s"] = uniform(rng, 0.15, 0.45)
        attrs.update(count=top, text=" ".join(params["words"]))
    else:
        if kind == "word":
            text = pick(rng, WORDS)
        elif kind == "phrase":
            text = pick(rng, PHRASES)
        else:
            value = int(rng.integers(0, 100)) if rng.random() < 0.7 else int(rng.integers(100, 1000))
            text = number_words(value)
            attrs["number"] = value
        params["words"] = [text]
        attrs["text"] = text
    return params, attrs


def synthesize(text: str, language: str, variant: str, speed_wpm: int, pitch: int) -> np.ndarray:
    """espeak-ng's rendering of `text` as 16 kHz mono float32, silence trimmed at both ends."""
    check_available()
    cmd = ["espeak-ng", "-v", f"{language}+{variant}", "-s", str(speed_wpm), "-p", str(pitch), "--stdout", text]
    done = subprocess.run(cmd, capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(f"espeak-ng failed ({done.returncode}): {done.stderr.decode(errors='replace')[:300]}")
    x, rate = sf.read(io.BytesIO(done.stdout), dtype="float32")
    y = resample(to_mono(x), rate)
    y, _ = trim_leading_silence(y, pre_roll_s=0.005, threshold_db=-45.0)
    return trim_trailing_silence(y, threshold_db=-45.0, keep_s=0.03)


def render(params: dict) -> Rendered:
    """Synthesise the clip; word onsets are exact for counting (words are joined with gaps).

    If a slow count would run past the 10 s limit the gaps shrink (never below 50 ms), so
    every word the captions promise is spoken."""
    pieces = [synthesize(w, params["language"], params["variant"], params["speed_wpm"], params["pitch"]) for w in params["words"]]
    rate = 16000
    spoken = sum(len(p) for p in pieces)
    gap_n = int(round(params.get("gap_s", 0.0) * rate))
    if len(pieces) > 1:
        room = int(MAX_DURATION_S * rate) - 800 - spoken
        gap_n = max(int(0.05 * rate), min(gap_n, room // (len(pieces) - 1)))
    onsets, chunks, at = [], [], 0
    for i, piece in enumerate(pieces):
        if i:
            chunks.append(np.zeros(gap_n, dtype=np.float32))
            at += gap_n
        onsets.append(round(at / rate, 4))
        chunks.append(piece)
        at += len(piece)
    return Rendered(np.concatenate(chunks), onsets, extra={"gap_s": round(gap_n / rate, 4)})
