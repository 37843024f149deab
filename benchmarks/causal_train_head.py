"""LoRA training step of a causal student: LM head at labelled positions only vs at every position (goal >= 1.5x).

Ours: :func:`synthlib.students.training.labelled_logits` (the decoder runs once, the 262k-token
head of gemma-3-270m only where a label is not ignored), as ``LossTrainer`` uses it. Anchor: the
model's own forward, logits at every position, the same loss on the same labels. Both run the
same optimiser-free step (forward + backward) on the packaged gemma-3-270m with LoRA (r=64 on all
linear layers, float32) over text-to-text rows: a prompt of about 100 tokens whose target (the
last 32 tokens) carries the loss, as GOLD's and S3's causal students train. Trained tokens/s
counts the tokens that carry loss. Medians after a warm-up step.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import hardware_line, median_time, ratio_line  # noqa: E402


def main() -> None:
    """Measure and print the ratio line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="batch 2, one timed step each")
    parser.add_argument("--model", default="gemma-3-270m", help="packaged model alias or checkpoint folder")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    args = parser.parse_args()
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from synthlib.packaged import checkpoint_dir
    from synthlib.students.losses import compute_loss
    from synthlib.students.training import labelled_logits

    if args.threads:
        torch.set_num_threads(args.threads)
    batch, length, target, repeats = (2, 128, 32, 1) if args.quick else (4, 128, 32, 2)
    print(hardware_line())
    path = Path(args.model) if Path(args.model).is_dir() else checkpoint_dir(args.model)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    model = get_peft_model(model, LoraConfig(r=64, lora_alpha=64, target_modules="all-linear", lora_dropout=0.0))
    model.train()
    torch.manual_seed(0)
    inputs = {"input_ids": torch.randint(10, 30000, (batch, length)),
              "attention_mask": torch.ones(batch, length, dtype=torch.long)}
    labels = inputs["input_ids"].clone()
    labels[:, :length - target] = -100

    def full() -> None:
        logits = model(**inputs).logits[:, :-1, :]
        compute_loss("ce", logits, labels[:, 1:]).backward()
        model.zero_grad(set_to_none=True)

    def ours() -> None:
        compute_loss("ce", *labelled_logits(model, inputs, labels)).backward()
        model.zero_grad(set_to_none=True)

    anchor_s = median_time(full, repeats=repeats, warmup=1)
    ours_s = median_time(ours, repeats=repeats, warmup=1)
    trained = int((labels[:, 1:] != -100).sum())
    print(f"model {args.model}, LoRA r=64 all linear, float32, batch {batch} x {length} tokens, "
          f"{target} labelled per row; {torch.get_num_threads()} threads; median of {repeats} after a warm-up")
    print(f"ours   (head at labelled positions): {ours_s:.2f} s/step, {trained / ours_s:.1f} trained tok/s, "
          f"{batch * length / ours_s:.1f} input tok/s")
    print(f"anchor (head at every position):     {anchor_s:.2f} s/step, {trained / anchor_s:.1f} trained tok/s, "
          f"{batch * length / anchor_s:.1f} input tok/s")
    print(ratio_line("causal_train_head", anchor_s / ours_s, f"{ours_s:.2f} s/step", f"{anchor_s:.2f} s/step",
                     ">= 1.5"))


if __name__ == "__main__":
    main()
