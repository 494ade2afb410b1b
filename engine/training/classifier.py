"""The evaluation classifier: a small CNN on log-mels, trained on the corpus's train split.

It scores generated audio (does "a snare hit" come out as a snare?) and supplies the embedding in
which Fréchet distances between generated and real clips are measured.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from soundloom.engine.models.mel import MelConfig
from soundloom.engine.training.checkpoint import load_latest, save_checkpoint
from soundloom.engine.training.mel_cache import MelCache
from soundloom.engine.training.schedule import cosine_lr, set_lr


# The log-mels every evaluation classifier reads (16 kHz, 64 bands), whatever model it scores: a
# model's output is resampled and analysed this way, so models of any family, rate or mel front
# end are scored by the same ears.
CLASSIFIER_MEL = MelConfig()


@dataclass
class ClassifierConfig:
    """`frames` of log-mel per example (100 per second), from the clip's start."""

    channels: tuple[int, ...] = (16, 32, 64, 128)  # narrow at full resolution, where it costs most
    frames: int = 256
    steps: int = 2000
    batch: int = 24
    lr: float = 2e-3
    checkpoint_every: int = 500
    seed: int = 0


class MelClassifier(torch.nn.Module):
    """log-mel [batch, frames, n_mels] → (logits [batch, classes], embedding [batch, 2 × last channels])."""

    def __init__(self, n_classes: int, channels: tuple[int, ...] = ClassifierConfig.channels, floor: float = -11.5):
        super().__init__()
        self.floor = floor
        layers, previous = [], 1
        for width in channels:
            layers += [torch.nn.Conv2d(previous, width, 3, padding=1), torch.nn.BatchNorm2d(width), torch.nn.ReLU(),
                       torch.nn.Conv2d(width, width, 3, padding=1), torch.nn.BatchNorm2d(width), torch.nn.ReLU(),
                       torch.nn.MaxPool2d(2)]
            previous = width
        self.features = torch.nn.Sequential(*layers)
        self.head = torch.nn.Linear(2 * previous, n_classes)

    def embed(self, mel: torch.Tensor) -> torch.Tensor:
        # Shift so silence is 0: padding and quiet passages then look alike to the convolutions.
        x = self.features((mel - self.floor).unsqueeze(1) / 5.0)
        return torch.cat([x.mean(dim=(2, 3)), x.amax(dim=(2, 3))], dim=1)

    def forward(self, mel: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        embedding = self.embed(mel)
        return self.head(embedding), embedding


def fit_frames(mel: np.ndarray, frames: int, floor: float, offset: int = 0) -> np.ndarray:
    """`frames` frames of `mel` starting at `offset`, padded with silence."""
    out = np.full((frames, mel.shape[1]), floor, dtype=np.float32)
    part = np.asarray(mel[offset : offset + frames], dtype=np.float32)
    out[: len(part)] = part
    return out


def train_classifier(cache: MelCache, classes: list[str], out: Path, config: ClassifierConfig, floor: float) -> MelClassifier:
    """Train on the train split (resuming from `out/checkpoints`); saves `out/classifier.pt`."""
    torch.manual_seed(config.seed)
    model = MelClassifier(len(classes), config.channels, floor)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=1e-3)
    state = load_latest(out / "checkpoints")
    start = 0
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        start = state["step"]
    index = {name: i for i, name in enumerate(classes)}
    train = [i for i in cache.split("train") if cache.clips[i]["class"] in index]
    rng = np.random.default_rng([config.seed, start])
    model.train()
    bar = tqdm(range(start, config.steps), initial=start, total=config.steps, desc="classifier", unit="step")
    for step in bar:
        set_lr(optimizer, cosine_lr(step, config.steps, config.lr))
        chosen = rng.choice(train, size=config.batch)
        rows = []
        for i in chosen:
            mel = cache.clip_mel(i)
            offset = int(rng.integers(0, max(1, len(mel) - config.frames // 2))) if rng.random() < 0.3 else 0
            # Level augmentation: a gain in dB is a constant shift of the log-mel.
            rows.append(np.maximum(fit_frames(mel, config.frames, floor, offset) + rng.uniform(-2.3, 1.0), floor))
        labels = torch.tensor([index[cache.clips[i]["class"]] for i in chosen])
        logits, _ = model(torch.from_numpy(np.stack(rows)))
        loss = F.cross_entropy(logits, labels, label_smoothing=0.05)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        bar.set_postfix(loss=f"{loss.item():.3f}")
        if (step + 1) % config.checkpoint_every == 0 or step + 1 == config.steps:
            save_checkpoint(out / "checkpoints", step + 1, {"model": model.state_dict(), "optimizer": optimizer.state_dict()})
    model.eval()
    torch.save({"model": model.state_dict(), "classes": classes, "config": asdict(config), "floor": floor}, out / "classifier.pt")
    return model


def load_classifier(path: Path) -> tuple[MelClassifier, list[str], int]:
    """(model in eval mode, class names, frames per example) from a saved classifier.pt."""
    saved = torch.load(path, map_location="cpu", weights_only=False)
    model = MelClassifier(len(saved["classes"]), tuple(saved["config"]["channels"]), saved["floor"])
    model.load_state_dict(saved["model"])
    return model.eval(), saved["classes"], int(saved["config"]["frames"])


@torch.no_grad()
def classify(model: MelClassifier, mels: list[np.ndarray], frames: int, batch: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Predicted class indices and embeddings for log-mels [frames_i, n_mels]."""
    predictions, embeddings = [], []
    for start in range(0, len(mels), batch):
        x = torch.from_numpy(np.stack([fit_frames(m, frames, model.floor) for m in mels[start : start + batch]]))
        logits, embedding = model(x)
        predictions.append(logits.argmax(1).numpy())
        embeddings.append(embedding.numpy())
    return np.concatenate(predictions), np.concatenate(embeddings)


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two sets of embeddings [n, d]."""
    from scipy import linalg

    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root, _ = linalg.sqrtm(cov_a @ cov_b, disp=False)
    root = root.real
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * root))


def main(argv: list[str] | None = None) -> int:
    """`python -m soundloom.engine.training.classifier --work DIR --corpus DIR`: train and report accuracy."""
    import argparse

    from soundloom.engine.training.corpus.manifest import read_manifest
    from soundloom.engine.training.mel_cache import build_mel_cache

    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True, help="shares the mel cache with the starter recipe")
    parser.add_argument("--steps", type=int, default=ClassifierConfig.steps)
    args = parser.parse_args(argv)
    mel = CLASSIFIER_MEL
    floor = float(np.log(mel.log_floor))
    entries = read_manifest(args.corpus)
    source = {e["id"]: e["source"] for e in entries}
    cache = build_mel_cache(entries, args.corpus, args.work / "mels", mel)
    classes = [c["name"] for c in json.loads((args.corpus / "classes.json").read_text())["classes"]]
    began = time.monotonic()
    model = train_classifier(cache, classes, args.work / "classifier", ClassifierConfig(steps=args.steps), floor)
    heldout = cache.split("heldout")
    predicted, _ = classify(model, [cache.clip_mel(i) for i in heldout], ClassifierConfig.frames)
    truth = np.array([classes.index(cache.clips[i]["class"]) for i in heldout])
    real = np.array([source[cache.clips[i]["id"]] == "recordings" for i in heldout])
    report = {"minutes": round((time.monotonic() - began) / 60, 1), "heldout_accuracy": round(float((predicted == truth).mean()), 4),
              "heldout_real_accuracy": round(float((predicted[real] == truth[real]).mean()), 4) if real.any() else None,
              "heldout_clips": len(heldout), "real_clips": int(real.sum())}
    (args.work / "classifier" / "report.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
