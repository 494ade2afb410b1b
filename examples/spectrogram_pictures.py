"""Draw a spectrogram picture beside each sound file: time in seconds, frequency in Hz, levels in dBFS.

    python examples/spectrogram_pictures.py SOUND [SOUND ...] [--size 900x400]

Each picture is named after its sound (`rain.wav` → `rain.png`) and titled with the prompt in the
file's metadata, when it has one (sounds soundloom made do). Prints the path of every picture.
"""

import argparse
from pathlib import Path

from soundloom.protocol.errors import SoundloomError
from soundloom.sdk.audio_file import read_audio, read_metadata
from soundloom.sdk.spectrogram import save_spectrogram


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(n) for n in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected WIDTHxHEIGHT in pixels, e.g. 900x400") from None
    return width, height


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sounds", nargs="+", type=Path)
    parser.add_argument("--size", type=_size, default=(900, 400), help="WIDTHxHEIGHT in pixels (default 900x400)")
    args = parser.parse_args()
    for sound in args.sounds:
        try:
            samples, rate = read_audio(sound)
            title = read_metadata(sound).get("prompt") or sound.name
            print(save_spectrogram(samples, rate, sound.with_suffix(".png"), title=title, size=args.size))
        except SoundloomError as exc:
            parser.exit(2, f"{sound}: {exc}\n")


if __name__ == "__main__":
    main()
