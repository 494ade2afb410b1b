"""What padding Tango's text conditioning to a fixed width costs a UNet step, and that it changes nothing.

The Tango family pads FLAN-T5's hidden states (masked) to the tokenizer's 512 tokens so prompts of
any length stack into one batch. This times one guided UNet step (batch 2, a 10.24-second latent)
with the prompt's own token length and with the padded width, interleaved, on Tango's published
UNet layout scaled down in width (`--width-divisor`, keeping widths divisible by its 32 norm groups; the full model does not fit a small CPU box),
and prints the time ratio and the largest output difference. The engine itself trims a batch's
conditioning to the positions its prompts use before the UNet; this shows what that saves.

    python bench/tango_text_padding.py [--width-divisor 5] [--tokens 12] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--width-divisor", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=12, help="the prompt's own token length")
    parser.add_argument("--padded", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    from diffusers import UNet2DConditionModel

    from soundloom.engine.models.tango_published import UNET_CONFIG

    d = args.width_divisor
    config = {**UNET_CONFIG, "block_out_channels": [c // d for c in UNET_CONFIG["block_out_channels"]],
              "attention_head_dim": [max(1, h // d) for h in UNET_CONFIG["attention_head_dim"]],
              "cross_attention_dim": 1024 // d}
    torch.manual_seed(0)
    unet = UNet2DConditionModel(**config).eval()
    latents = torch.randn(2, 8, 256, 16)  # 10.24 s: 1024 mel frames over compression 4
    width = config["cross_attention_dim"]
    states = torch.randn(2, args.tokens, width)
    mask = torch.ones(2, args.tokens, dtype=torch.bool)
    padded_states = torch.nn.functional.pad(states, (0, 0, 0, args.padded - args.tokens))
    padded_mask = torch.nn.functional.pad(mask, (0, args.padded - args.tokens))
    t = torch.tensor(500)

    def step(h, m):
        with torch.no_grad():
            return unet(latents, t, encoder_hidden_states=h, encoder_attention_mask=m).sample

    short_out, long_out = step(states, mask), step(padded_states, padded_mask)  # warm-up, and the outputs compared
    times = {"own length": [], "padded": []}
    for _ in range(args.repeats):
        for name, (h, m) in (("own length", (states, mask)), ("padded", (padded_states, padded_mask))):
            start = time.perf_counter()
            step(h, m)
            times[name].append(time.perf_counter() - start)
    own, padded = statistics.median(times["own length"]), statistics.median(times["padded"])
    params = sum(p.numel() for p in unet.parameters()) / 1e6
    print(f"UNet: Tango's layout at 1/{d} width ({params:.0f} M parameters), batch 2, latent 8x256x16, "
          f"{torch.get_num_threads()} threads")
    print(f"{'tokens':>8} {'median s/step':>14}")
    print(f"{args.tokens:>8} {own:>14.3f}")
    print(f"{args.padded:>8} {padded:>14.3f}")
    print(f"padded / own length: {padded / own:.3f}x")
    scale = short_out.abs().max().item()
    print(f"largest output difference: {(long_out - short_out).abs().max().item() / scale:.2e} of the output's scale")


if __name__ == "__main__":
    main()
