"""Drawing a spectrogram as a picture a person can read: axes, ticks, labels, colour scale, title.

Pillow only (its bundled font, so the picture looks the same on every machine); the numbers come
from spectrogram.py. `Picture` keeps the geometry, so callers (and tests) can find where a time or
a frequency was drawn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.sdk.spectrogram import CEILING_DB, FLOOR_DB, colour, spectrogram_levels

BACKGROUND = (22, 22, 29)  # dark, so the picture reads on light and dark pages alike
INK = (228, 228, 232)  # labels and titles
MUTED = (150, 150, 160)  # tick marks, axis names, the format line
MIN_SIZE = (360, 200)
LABEL_PX, TITLE_PX = 13, 16
TICK_PX = 5

# Margins around the plot (pixels): room for frequency labels and the axis name at the left, the
# colour scale at the right, the title above, time labels and the axis name below.
LEFT, RIGHT, TOP, BOTTOM = 66, 84, 34, 44
SCALE_GAP, SCALE_WIDTH = 22, 14

FREQUENCY_TICKS = (20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000)
TIME_STEPS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600)
MAX_TIME_TICKS = 10


@dataclass(frozen=True)
class Picture:
    """The drawn picture and where its plot is: `plot` = (left, top, right, bottom) pixels, right and
    bottom exclusive; time 0 at the left edge, `seconds` at the right; fmin Hz at the bottom edge."""

    image: Image.Image
    plot: tuple[int, int, int, int]
    seconds: float
    fmin: float
    fmax: float

    def x_of(self, seconds: float) -> float:
        left, _, right, _ = self.plot
        return left + (right - left) * (seconds / self.seconds if self.seconds else 0.0)

    def y_of(self, hz: float) -> float:
        """The pixel row (fractional, from the top of the picture) where `hz` lies on the log axis."""
        _, top, _, bottom = self.plot
        return bottom - (bottom - top) * math.log(hz / self.fmin) / math.log(self.fmax / self.fmin)


def draw_spectrogram(samples: np.ndarray, rate: int, *, size: tuple[int, int] = (900, 400),
                     title: str | None = None) -> Picture:
    """The labelled spectrogram picture of `samples` at `rate` Hz, `size` (width, height) pixels."""
    width, height = _checked_size(size)
    plot = (LEFT, TOP, width - RIGHT, height - BOTTOM)
    levels = spectrogram_levels(samples, rate, plot[2] - plot[0], plot[3] - plot[1])
    image = Image.new("RGB", (width, height), BACKGROUND)
    image.paste(Image.fromarray(colour(levels.db)), plot[:2])
    picture = Picture(image, plot, levels.seconds, levels.fmin, levels.fmax)
    draw = ImageDraw.Draw(image)
    label, small, heading = _font(LABEL_PX), _font(LABEL_PX - 1), _font(TITLE_PX)
    _frequency_axis(picture, draw, label)
    _time_axis(picture, draw, label)
    _colour_scale(picture, draw, label)
    _header(picture, draw, heading, small, title, rate, np.asarray(samples))
    return picture


def _checked_size(size) -> tuple[int, int]:
    try:
        width, height = (int(n) for n in size)
    except (TypeError, ValueError):
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"size must be (width, height) in pixels, got {size!r}", "size") from None
    if width < MIN_SIZE[0] or height < MIN_SIZE[1] or width > 8000 or height > 8000:
        raise SoundloomError(
            ErrorCode.OUT_OF_RANGE,
            f"{width} × {height} pixels; allowed: {MIN_SIZE[0]}–8000 wide and {MIN_SIZE[1]}–8000 high",
            "size",
        )
    return width, height


def _font(pixels: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=pixels)
    except (ImportError, OSError, TypeError):  # pillow built without FreeType: its small bitmap font
        return ImageFont.load_default()


def _frequency_label(hz: int) -> str:
    return f"{hz // 1000}k" if hz >= 1000 else str(hz)


def _frequency_axis(picture: Picture, draw: ImageDraw.ImageDraw, font) -> None:
    left, top, _, bottom = picture.plot
    for hz in FREQUENCY_TICKS:
        if not picture.fmin <= hz <= picture.fmax:
            continue
        y = round(picture.y_of(hz))
        draw.line([(left - TICK_PX, y), (left - 1, y)], fill=MUTED)
        draw.text((left - TICK_PX - 3, y), _frequency_label(hz), fill=INK, font=font, anchor="rm")
    # The axis name, turned to read upwards along the axis.
    name = "frequency (Hz)"
    box = draw.textbbox((0, 0), name, font=font)
    strip = Image.new("RGB", (box[2] + 2, box[3] + 2), BACKGROUND)
    ImageDraw.Draw(strip).text((1, 1), name, fill=MUTED, font=font)
    strip = strip.rotate(90, expand=True)
    y = (top + bottom) // 2 - strip.height // 2
    picture.image.paste(strip, (6, max(0, y)))


def _time_step(seconds: float) -> float:
    return next((step for step in TIME_STEPS if seconds / step <= MAX_TIME_TICKS), TIME_STEPS[-1])


def _time_label(value: float, step: float) -> str:
    decimals = 0 if step >= 1 else 2 if step < 0.1 or step == 0.25 else 1
    return f"{value:.{decimals}f}"


def _time_axis(picture: Picture, draw: ImageDraw.ImageDraw, font) -> None:
    left, _, right, bottom = picture.plot
    if picture.seconds > 0:
        step = _time_step(picture.seconds)
        for index in range(int(picture.seconds / step + 1e-9) + 1):
            value = index * step
            x = min(round(picture.x_of(value)), right - 1)
            draw.line([(x, bottom), (x, bottom + TICK_PX - 1)], fill=MUTED)
            draw.text((x, bottom + TICK_PX + 2), _time_label(value, step), fill=INK, font=font, anchor="mt")
    draw.text(((left + right) // 2, picture.image.height - 4), "time (s)", fill=MUTED, font=font, anchor="mb")


def _colour_scale(picture: Picture, draw: ImageDraw.ImageDraw, font) -> None:
    _, top, right, bottom = picture.plot
    x0 = right + SCALE_GAP
    levels = np.linspace(CEILING_DB, FLOOR_DB, bottom - top)[:, None].repeat(SCALE_WIDTH, axis=1)
    picture.image.paste(Image.fromarray(colour(levels)), (x0, top))
    draw.rectangle([x0 - 1, top - 1, x0 + SCALE_WIDTH, bottom], outline=MUTED)
    for db in range(int(CEILING_DB), int(FLOOR_DB) - 1, -20):
        y = round(top + (bottom - top - 1) * (CEILING_DB - db) / (CEILING_DB - FLOOR_DB))
        draw.line([(x0 + SCALE_WIDTH, y), (x0 + SCALE_WIDTH + TICK_PX - 1, y)], fill=MUTED)
        draw.text((x0 + SCALE_WIDTH + TICK_PX + 3, y), str(db), fill=INK, font=font, anchor="lm")
    draw.text((x0 + SCALE_WIDTH // 2, bottom + TICK_PX + 2), "dBFS", fill=MUTED, font=font, anchor="mt")


def _header(picture: Picture, draw: ImageDraw.ImageDraw, heading, small, title, rate: int, samples: np.ndarray) -> None:
    left, top, right, _ = picture.plot
    channels = 1 if samples.ndim == 1 else samples.shape[0]
    layout = {1: "mono", 2: "stereo"}.get(channels, f"{channels} channels")
    facts = f"{rate / 1000:g} kHz {layout}, {picture.seconds:.2f} s"
    draw.text((right, top - 8), facts, fill=MUTED, font=small, anchor="rb")
    if title:
        room = right - left - draw.textlength(facts, font=small) - 16
        draw.text((left, top - 8), _fitted(" ".join(str(title).split()), heading, draw, room), fill=INK, font=heading,
                  anchor="lb")


def _fitted(text: str, font, draw: ImageDraw.ImageDraw, room: float) -> str:
    """`text`, cut with an ellipsis where it would run past `room` pixels."""
    if draw.textlength(text, font=font) <= room:
        return text
    while text and draw.textlength(text + "…", font=font) > room:
        text = text[:-1]
    return text.rstrip() + "…"
