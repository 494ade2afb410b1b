"""Real sound files for the desktop tests, bench and screenshots: synthesised, UCS-named, varied in
rate, channels, bit depth and length."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import butter, sosfilt


def _noise(rng, n):
    return rng.standard_normal(n)


def _band(x, rate, low, high, order=2):
    sos = butter(order, [low, min(high, rate / 2 * 0.95)], btype="band", fs=rate, output="sos")
    return sosfilt(sos, x)


def _low(x, rate, cutoff, order=2):
    return sosfilt(butter(order, cutoff, fs=rate, output="sos"), x)


def _env(n, rate, attack, decay):
    t = np.arange(n) / rate
    return np.minimum(t / max(attack, 1e-4), 1.0) * np.exp(-np.maximum(t - attack, 0) / decay)


def _normalise(x, peak):
    top = np.max(np.abs(x)) or 1.0
    return x * (peak / top)


def impact(rng, rate, seconds, body_hz=90.0, bright=4000.0):
    n = int(seconds * rate)
    t = np.arange(n) / rate
    crack = _band(_noise(rng, n), rate, 400, bright) * _env(n, rate, 0.001, 0.05)
    body = np.sin(2 * np.pi * body_hz * t * (1 + 0.3 * np.exp(-t * 20))) * _env(n, rate, 0.002, 0.25)
    rattle = _band(_noise(rng, n), rate, 150, 900) * _env(n, rate, 0.01, 0.4) * 0.3
    return _normalise(crack + body + rattle, 0.9)


def footsteps(rng, rate, seconds, steps=6):
    n = int(seconds * rate)
    out = np.zeros(n)
    for i in range(steps):
        at = int((0.15 + i * (seconds - 0.4) / steps) * rate)
        length = min(int(0.25 * rate), n - at)
        hit = impact(rng, rate, length / rate, body_hz=140, bright=6000) * (0.6 + 0.4 * rng.random())
        out[at : at + length] += hit[:length]
    return _normalise(out, 0.8)


def whoosh(rng, rate, seconds):
    n = int(seconds * rate)
    t = np.linspace(0, 1, n)
    shape = np.exp(-((t - 0.6) ** 2) / 0.02)
    return _normalise(_band(_noise(rng, n), rate, 300, 3000) * shape, 0.7)


def drips(rng, rate, seconds, count=8):
    n = int(seconds * rate)
    out = np.zeros(n)
    for _ in range(count):
        at = int(rng.random() * (n - 0.2 * rate))
        m = int(0.12 * rate)
        t = np.arange(m) / rate
        freq = 900 + 1500 * rng.random()
        out[at : at + m] += np.sin(2 * np.pi * (freq * t + 3000 * t**2)) * np.exp(-t * 40)
    return _normalise(out, 0.6)


def texture(rng, rate, seconds, low, high, wobble=0.2):
    n = int(seconds * rate)
    t = np.arange(n) / rate
    level = 1 + wobble * np.sin(2 * np.pi * 0.13 * t) + wobble * 0.5 * np.sin(2 * np.pi * 0.41 * t)
    return _normalise(_band(_noise(rng, n), rate, low, high) * level, 0.5)


def birds(rng, rate, seconds):
    n = int(seconds * rate)
    out = texture(rng, rate, seconds, 200, 1500, 0.1) * 0.3
    for _ in range(int(seconds * 1.5)):
        at = int(rng.random() * (n - 0.4 * rate))
        m = int((0.08 + 0.15 * rng.random()) * rate)
        t = np.arange(m) / rate
        base = 2500 + 2000 * rng.random()
        chirp = np.sin(2 * np.pi * (base * t + 8000 * t**2 * rng.choice([-1, 1])))
        out[at : at + m] += chirp * np.hanning(m) * 0.5
    return _normalise(out, 0.6)


def tone(rng, rate, seconds, hz, harmonics=6, decay=1.2):
    n = int(seconds * rate)
    t = np.arange(n) / rate
    x = sum(np.sin(2 * np.pi * hz * k * t) / k**1.3 for k in range(1, harmonics + 1))
    return _normalise(x * _env(n, rate, 0.005, decay), 0.7)


def siren(rng, rate, seconds):
    n = int(seconds * rate)
    t = np.arange(n) / rate
    freq = 700 + 400 * np.sin(2 * np.pi * 0.5 * t)
    phase = 2 * np.pi * np.cumsum(freq) / rate
    return _normalise(np.sign(np.sin(phase)) * 0.3 + np.sin(phase), 0.6)


def hum(rng, rate, seconds, hz=50.0):
    n = int(seconds * rate)
    t = np.arange(n) / rate
    x = sum(np.sin(2 * np.pi * hz * k * t + k) / k for k in range(1, 9))
    return _normalise(x + 0.1 * _low(_noise(rng, n), rate, 400), 0.5)


def explosion(rng, rate, seconds):
    n = int(seconds * rate)
    boom = _low(_noise(rng, n), rate, 180, 4) * _env(n, rate, 0.01, 1.2) * 6
    crack = _band(_noise(rng, n), rate, 800, 9000) * _env(n, rate, 0.001, 0.15)
    return _normalise(boom + crack, 0.95)


def ui_beep(rng, rate, seconds, hz=1200):
    n = int(seconds * rate)
    t = np.arange(n) / rate
    return _normalise(np.sin(2 * np.pi * hz * t) * _env(n, rate, 0.002, seconds / 4), 0.5)


# (file name, generator, seconds, rate, channels, subtype)
LIBRARY = [
    ("DOORWood_Slam Heavy Oak_SL_Foley.wav", impact, 1.6, 48000, 2, "PCM_24"),
    ("DOORWood_Close Soft Latch_SL_Foley.wav", lambda r, s, d: impact(r, s, d, 160, 2500), 1.1, 48000, 1, "PCM_24"),
    ("DOORMetl_Slam Steel Fire Door_SL_Foley.wav", lambda r, s, d: impact(r, s, d, 70, 9000), 2.4, 48000, 2, "PCM_24"),
    ("FEETHuman_Heels Walking Hallway_SL_Foley.wav", footsteps, 4.5, 48000, 1, "PCM_24"),
    ("FEETHuman_Boots Running Gravel_SL_Foley.wav", lambda r, s, d: footsteps(r, s, d, 10), 3.8, 44100, 2, "PCM_16"),
    ("SWSHFast_Whoosh Fast Swish_SL_Design.wav", whoosh, 1.2, 48000, 2, "FLOAT"),
    ("SWSHWhsh_Whoosh Slow Heavy Pass_SL_Design.wav", whoosh, 3.0, 48000, 2, "FLOAT"),
    ("WATRDrip_Drips Cave Sparse_SL_Field.wav", drips, 6.0, 96000, 2, "PCM_24"),
    ("WATRStrm_Stream Gentle Brook_SL_Field.wav", lambda r, s, d: texture(r, s, d, 300, 6000), 14.0, 48000, 2, "PCM_24"),
    ("RAINGen_Rain Steady On Roof_SL_Field.wav", lambda r, s, d: texture(r, s, d, 800, 12000, 0.1), 12.0, 48000, 2, "PCM_24"),
    ("WINDGust_Wind Gusts Exposed Ridge_SL_Field.wav", lambda r, s, d: texture(r, s, d, 80, 900, 0.7), 16.0, 44100, 2,
     "PCM_16"),
    ("AMBForst_Forest Morning Birds_SL_Field.wav", birds, 20.0, 48000, 2, "PCM_24"),
    ("AMBUrbn_City Distant Traffic_SL_Field.wav", lambda r, s, d: texture(r, s, d, 60, 700, 0.3), 18.0, 48000, 2,
     "PCM_24"),
    ("ALRMSirn_Siren Police Wail_SL_Vehicles.wav", siren, 5.0, 44100, 1, "PCM_16"),
    ("MOTRElec_Motor Hum Electric_SL_Machines.wav", hum, 8.0, 48000, 1, "PCM_24"),
    ("MACHFan_Fan Hum Low_SL_Machines.wav", lambda r, s, d: hum(r, s, d, 30.0), 9.0, 48000, 1, "PCM_24"),
    ("EXPLReal_Explosion Distant Boom_SL_Design.wav", explosion, 4.0, 48000, 2, "FLOAT"),
    ("EXPLDsgn_Explosion Debris Tail_SL_Design.wav", explosion, 6.5, 48000, 2, "FLOAT"),
    ("GUNHand_Pistol Shot Indoor_SL_Weapons.wav", lambda r, s, d: impact(r, s, d, 60, 12000), 1.5, 96000, 2, "PCM_24"),
    ("UIClick_Button Click Soft_SL_UI.wav", lambda r, s, d: ui_beep(r, s, d, 2400), 0.12, 48000, 1, "PCM_16"),
    ("UIBeep_Notification Beep High_SL_UI.wav", lambda r, s, d: ui_beep(r, s, d, 1760), 0.4, 48000, 1, "PCM_16"),
    ("UIBeep_Error Buzz Low_SL_UI.wav", lambda r, s, d: ui_beep(r, s, d, 220), 0.5, 48000, 1, "PCM_16"),
    ("MUSCBell_Bell Tubular A4_SL_Music.wav", lambda r, s, d: tone(r, s, d, 440, 8, 2.5), 5.0, 48000, 2, "PCM_24"),
    ("MUSCPian_Piano Note C3_SL_Music.wav", lambda r, s, d: tone(r, s, d, 130.8, 10, 1.5), 4.0, 44100, 2, "PCM_24"),
    ("MUSCStr_Harp Pluck E5_SL_Music.wav", lambda r, s, d: tone(r, s, d, 659.3, 5, 0.6), 2.0, 44100, 1, "PCM_24"),
    ("GLASBrk_Glass Shatter Window_SL_Foley.wav", lambda r, s, d: impact(r, s, d, 300, 14000), 2.2, 96000, 2, "PCM_24"),
    ("METLAnvl_Anvil Strike Ring_SL_Foley.wav", lambda r, s, d: tone(r, s, d, 880, 12, 1.8), 3.0, 48000, 2, "PCM_24"),
    ("CLOTHMvmt_Jacket Rustle Movement_SL_Foley.wav", lambda r, s, d: texture(r, s, d, 1500, 9000, 0.8), 3.5, 48000, 1,
     "PCM_24"),
    ("FIREBurn_Campfire Crackle_SL_Field.wav", lambda r, s, d: drips(r, s, d, 40) + texture(r, s, d, 100, 800) * 0.4,
     10.0, 48000, 2, "PCM_24"),
    ("VEHCar_Car Pass By Fast_SL_Vehicles.wav", lambda r, s, d: whoosh(r, s, d) + hum(r, s, d, 45) * 0.3, 6.0, 48000, 2,
     "PCM_24"),
]


def write_library(folder: Path, entries=LIBRARY, seed: int = 0, subfolders: bool = True) -> list[Path]:
    """Write the sounds into `folder` (grouped in subfolders by source unless told not to)."""
    rng = np.random.default_rng(seed)
    paths = []
    for name, make, seconds, rate, channels, subtype in entries:
        mono = make(rng, rate, seconds)
        # The right channel is a little quieter, not delayed: a delay would comb-filter the mono sum.
        data = mono[:, None] if channels == 1 else np.stack([mono, 0.85 * mono], axis=1)
        group = name.rsplit("_", 1)[-1].removesuffix(".wav") if subfolders else ""
        path = folder / group / name
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, data.astype(np.float32), rate, subtype=subtype)
        paths.append(path)
    return paths


def write_tone(path: Path, seconds: float, rate: int = 48000, channels: int = 1, hz: float = 440.0,
               subtype: str = "PCM_16", amplitude: float = 0.5) -> Path:
    """A plain sine: predictable peaks and spectrum."""
    t = np.arange(int(seconds * rate)) / rate
    x = (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(os.fsencode(path), np.repeat(x[:, None], channels, axis=1), rate, subtype=subtype)
    return path
