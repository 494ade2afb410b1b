"""`soundloom eval`: objective scores of a model against the corpus's held-out split.

  * text adherence: the evaluation classifier's accuracy on audio generated from held-out
    captions (template wording) and from paraphrases whose wording no template uses;
  * Fréchet distance between generated and real held-out clips in the classifier's embedding;
  * pitch: median error in cents for prompts that name a note (ground truth: the note played),
    and the share of them within a semitone, of the model's own output and after the engine's
    tuning to the named note (what `generate` returns by default); an output with no measurable
    pitch is a miss, counted as the worst error;
  * onsets: share of prompts naming a number of hits whose output has that many onsets;
  * reconstruction through VAE and vocoder alone: log-spectral distance (dB) and mel L1.

Class, Fréchet distance and reconstruction are measured on the classifier's own log-mels at its
rate (`CLASSIFIER_MEL`), so a model of any family, sample rate or channel count is scored alike;
pitch and onsets are read from the model's output at its own rate.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import numpy as np
import torch

from soundloom.engine.audio import resample
from soundloom.engine.models.base import AudioModel
from soundloom.engine.models.mel import MelFrontEnd
from soundloom.engine.models.prompt_pitch import prompt_pitch
from soundloom.engine.pipelines import GenerateRequest, common, generate
from soundloom.engine.pipelines.tuning import tune
from soundloom.engine.pitch import cents, estimate_f0
from soundloom.engine.training.classifier import CLASSIFIER_MEL, classify, frechet_distance, load_classifier
from soundloom.engine.training.corpus.measure import detect_onsets
from soundloom.protocol.messages import DEFAULTS

NUMBER_WORDS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten".split())}


def names_count(text: str, count: int) -> bool:
    words = re.findall(r"[a-z]+|\d+", text.lower())
    return any(NUMBER_WORDS.get(w) == count or (w.isdigit() and int(w) == count) for w in words)


def log_spectral_distance(a: np.ndarray, b: np.ndarray, n_fft: int = 1024, hop: int = 256) -> float:
    """Root-mean-square difference of two signals' log power spectra, in dB."""
    window = torch.hann_window(n_fft)
    spectra = [torch.stft(torch.from_numpy(x.astype(np.float32)), n_fft, hop, window=window, return_complex=True).abs() ** 2
               for x in (a, b)]
    frames = min(s.shape[-1] for s in spectra)
    da, db = (10 * torch.log10(s[..., :frames] + 1e-10) for s in spectra)
    return float(torch.sqrt(((da - db) ** 2).mean(dim=0)).mean())


def median_cents(errors: list[float]) -> float | None:
    """The median error in cents; None when there is none, or when the median falls on an unpitched output."""
    median = float(np.median(errors)) if errors else np.inf
    return round(median, 1) if np.isfinite(median) else None


def pick_heldout(entries: list[dict], per_class: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    chosen = []
    for cls in sorted({e["class"] for e in entries}):
        mine = [e for e in entries if e["class"] == cls and e["split"] == "heldout" and e["source"] != "mix"]
        chosen += [mine[i] for i in rng.permutation(len(mine))[:per_class]]
    return chosen


def _generate(model: AudioModel, prompts: list[str], seconds: list[float], steps: int, seed: int,
              guidance: float) -> list[np.ndarray]:
    out = []
    for i, (prompt, length) in enumerate(zip(prompts, seconds)):
        # The model's own output, at its own level: tuning to named notes is scored separately below.
        request = GenerateRequest(prompt=prompt, seconds=length, steps=steps, seed=seed + i, guidance=guidance, tune=False,
                                  normalize="off")
        result = generate(model, request)
        out.append(result.audio[0].mean(axis=0))  # [channels, samples]: scored as the mono mix
    return out


def _mono_at(clip: np.ndarray, clip_rate: int, rate: int) -> np.ndarray:
    """The mono mix of `clip` ([channels, samples] at `clip_rate`) at `rate`, float32."""
    return resample(np.asarray(clip, np.float32).mean(axis=0, keepdims=True), clip_rate, rate)[0]


def evaluate(model: AudioModel, corpus: Path, classifier_file: Path, per_class: int = 4, steps: int = 25, seed: int = 0,
             guidance: float = DEFAULTS["guidance"]) -> dict:
    """The full score table for `model` (see the module docstring)."""
    from soundloom.engine.training.corpus.manifest import read_manifest
    from soundloom.sdk.audio_file import read_audio

    began = time.monotonic()
    classifier, classes, frames = load_classifier(classifier_file)
    entries = pick_heldout(read_manifest(corpus), per_class, seed)
    rate = CLASSIFIER_MEL.sample_rate
    real = [_mono_at(*read_audio(corpus / e["path"]), rate) for e in entries]
    seconds = [float(np.clip(e["duration_s"], 1.0, 5.0)) for e in entries]
    front = MelFrontEnd(CLASSIFIER_MEL)

    def mels(clips: list[np.ndarray], clip_rate: int = rate) -> list[np.ndarray]:
        with torch.no_grad():
            return [front(torch.from_numpy(_mono_at(c[None], clip_rate, rate))[None])[0].numpy() for c in clips]

    truth = np.array([classes.index(e["class"]) for e in entries])
    made = _generate(model, [e["captions"][0] for e in entries], seconds, steps, seed, guidance)
    paraphrased = [(e, p) for e in entries for p in e.get("paraphrases", [])[:1]]
    made_para = _generate(model, [p for _, p in paraphrased], [float(np.clip(e["duration_s"], 1.0, 5.0)) for e, _ in paraphrased],
                          steps, seed + 10_000, guidance)
    predicted, embedded = classify(classifier, mels(made, model.sample_rate), frames)
    predicted_para, _ = classify(classifier, mels(made_para, model.sample_rate), frames)
    truth_para = np.array([classes.index(e["class"]) for e, _ in paraphrased])
    real_predicted, real_embedded = classify(classifier, mels(real), frames)

    pitch_errors, tuned_errors = [], []
    for e, audio in zip(entries, made):
        f0 = e["ground_truth"].get("f0_hz")
        named = prompt_pitch(e["captions"][0])
        if f0 and e["ground_truth"]["attrs"].get("kind") == "note" and named is not None:
            estimate = estimate_f0(audio, model.sample_rate)
            if not estimate:  # no pitch at all is a miss, not a prompt left out: the worst error
                pitch_errors.append(np.inf)
                tuned_errors.append(np.inf)
                continue
            pitch_errors.append(abs(cents(estimate, f0)))
            tuned_estimate = estimate_f0(tune(audio[None], model.sample_rate, named)[0][0], model.sample_rate)
            tuned_errors.append(abs(cents(tuned_estimate, f0)) if tuned_estimate else pitch_errors[-1])
    counted = [(e, a) for e, a in zip(entries, made)
               if e["ground_truth"]["attrs"].get("count") and names_count(e["captions"][0], e["ground_truth"]["attrs"]["count"])]
    onset_hits = [len(detect_onsets(a, model.sample_rate)) == e["ground_truth"]["attrs"]["count"] for e, a in counted]

    lsd, mel_l1 = [], []
    for clip in real[:40]:
        at_model_rate = _mono_at(clip[None], rate, model.sample_rate)
        frames_needed = common.latent_frames(model, len(at_model_rate))
        rebuilt = common.decode(model, common.encode_mono(model, at_model_rate, frames_needed), len(at_model_rate))[0]
        # [channels, samples] from a stereo model: scored as the mono mix, at the classifier's rate
        rebuilt = _mono_at(rebuilt.reshape(-1, rebuilt.shape[-1]), model.sample_rate, rate)[: len(clip)]
        lsd.append(log_spectral_distance(clip, rebuilt))
        a, b = mels([clip, rebuilt])
        mel_l1.append(float(np.abs(a - b).mean()))

    return {
        "model": model.name,
        "clips": len(entries), "classes": len(set(truth.tolist())), "steps": steps, "guidance": guidance,
        "classifier_accuracy_on_real_heldout": round(float((real_predicted == truth).mean()), 3),
        "text_adherence": round(float((predicted == truth).mean()), 3),
        "paraphrase_adherence": round(float((predicted_para == truth_para).mean()), 3) if len(truth_para) else None,
        "frechet_distance": round(frechet_distance(embedded, real_embedded), 2),
        "median_pitch_error_cents": median_cents(pitch_errors),
        "pitch_within_semitone": round(float(np.mean(np.array(pitch_errors) <= 100)), 3) if pitch_errors else None,
        "median_pitch_error_cents_tuned": median_cents(tuned_errors),
        "pitch_prompts": len(pitch_errors),
        "pitch_prompts_unpitched": int(np.isinf(pitch_errors).sum()),
        "onset_count_accuracy": round(float(np.mean(onset_hits)), 3) if onset_hits else None,
        "onset_prompts": len(onset_hits),
        "reconstruction_lsd_db": round(float(np.mean(lsd)), 2),
        "reconstruction_mel_l1": round(float(np.mean(mel_l1)), 3),
        "minutes": round((time.monotonic() - began) / 60, 1),
    }


def main(argv: list[str] | None = None) -> int:
    import argparse

    from soundloom.engine.models.loading import load_model

    parser = argparse.ArgumentParser(prog="soundloom eval", description="Score a model on the corpus's held-out split.")
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--classifier", type=Path, required=True, help="classifier.pt from the classifier training")
    parser.add_argument("--per-class", type=int, default=4)
    parser.add_argument("--steps", type=int, default=DEFAULTS["steps"])
    parser.add_argument("--guidance", type=float, default=DEFAULTS["guidance"])
    parser.add_argument("--out", type=Path, help="also write the report here (JSON)")
    args = parser.parse_args(argv)
    report = evaluate(load_model(args.model), args.corpus, args.classifier, args.per_class, args.steps, guidance=args.guidance)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
