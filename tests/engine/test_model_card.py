"""The model card states training progress, corpus sources and licences, and the evaluation."""

from soundloom.engine.training.model_card import render_card

SUMMARY = {
    "clips": 10, "hours": 0.1, "by_class": {"kick": {}, "rain": {}}, "by_split": {"train": 8, "heldout": 2},
    "by_source": {"midi": {"train": 5}, "recordings": {"train": 3, "heldout": 2}},
    "licences": {"recordings": [{"package": "hydrogen-drumkits", "licence": "CC0", "clips": 5}]},
}
TRAINING = {"unet_steps": 300, "unet_hours": 0.2, "recipe": {"unet": {"steps": 1000, "batch": 16, "crop": 32}, "vae": {"steps": 50}}}


def test_a_snapshot_says_it_is_not_evaluated():
    card = render_card(TRAINING, SUMMARY, None, "Griffin-Lim phase recovery")
    assert "300 of 1000 planned steps" in card and "Not evaluated yet" in card
    assert "hydrogen-drumkits: CC0 (5)" in card and "| recordings | 5 |" in card


def test_an_evaluated_model_shows_its_table():
    card = render_card(TRAINING, SUMMARY, {"text_adherence": 0.71}, "Griffin-Lim phase recovery")
    assert "| text adherence | 0.71 |" in card


def test_the_vocoder_choice_is_stated_with_its_numbers():
    training = dict(TRAINING, vocoder={"heldout_mr_stft": {"vocoder": 1.2, "griffin_lim": 1.5}, "chosen": "vocoder"})
    card = render_card(training, SUMMARY, None, "a HiFi-GAN vocoder trained on the corpus")
    assert "scored 1.2 against Griffin-Lim's 1.5" in card and "uses the trained vocoder" in card


def test_a_refined_decoder_is_stated_with_its_reconstruction_error():
    training = dict(TRAINING, decoder={"minutes": 36, "heldout_mel_l1_before": 0.59, "heldout_mel_l1": 0.43})
    assert "held-out mel L1 0.59 → 0.43" in render_card(training, SUMMARY, None, "Griffin-Lim phase recovery")
    assert "decoder refined" not in render_card(TRAINING, SUMMARY, None, "Griffin-Lim phase recovery")
