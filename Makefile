# Set-up and everyday commands. Everything installs into .venv; Debian packages are installed
# when missing and we run as root (otherwise the command to run is printed).

VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip --disable-pip-version-check -q
# Editable installs: setuptools prints an information-only box for every one; errors still show.
PIP_EDITABLE := $(VENV)/bin/pip --disable-pip-version-check -qq install -e
# The CPU build on this machine's disk; an unpinned torch would pull a multi-GB CUDA build.
TORCH := torch==2.13.0
APT_RUNTIME := libportaudio2 libsndfile1
# Only for building the starter corpus (and its tests); running a model needs none of these.
APT_CORPUS := fluidsynth fluid-soundfont-gm hydrogen-drumkits hydrogen-drumkits-effects hedgewars-data \
              sound-theme-freedesktop espeak-ng
# Only for the DAW bridge's tests: REAPER's scripts run under lua5.4, Ardour runs headless.
# jackd2 gives the MIDI listener tests a real port where there is no ALSA sequencer.
APT_BRIDGE := lua5.4 ardour jackd2
DEMO_MODEL := .cache/models/untrained-audioldm
STARTER := engine/weights/starter

.PHONY: demo test test-slow bench corpus system-deps clean

demo: system-deps $(VENV)/.engine-installed
	@mkdir -p out
	@if [ -f $(STARTER)/model_index.json ]; then \
	  $(PY) -c "import json; t = json.load(open('$(STARTER)/training.json')); print(f\"starter model: {t['unet_steps']} of {t['recipe']['unet']['steps']} training steps; see $(STARTER)/README.md\")" >&2; \
	  $(PY) examples/first_sounds.py out && \
	  printf '%s\n' "made three sounds in out/ (WAV with their settings inside, spectrograms beside them). Try next:" \
	    "  $(VENV)/bin/soundloom generate \"a heavy wooden door creaking open\" -o out/door.wav" \
	    "  $(VENV)/bin/soundloom inpaint out/rain.wav --region 1:2 \"a thunder clap\" -o out/thunder.wav" \
	    "  $(VENV)/bin/pip install -e '.[desktop]' && $(VENV)/bin/soundloom desktop" >&2; \
	else \
	  test -d $(DEMO_MODEL) || $(PY) -m soundloom.engine.models.untrained $(DEMO_MODEL) --preset realistic >/dev/null; \
	  echo "note: no trained model is installed, so this uses an UNTRAINED random-weight model: expect noise." >&2; \
	  $(VENV)/bin/soundloom generate "soft rain on a window" --model $(DEMO_MODEL) --seconds 4 --steps 20 --seed 1 -o out/demo.wav; \
	fi

test: APT_PACKAGES = $(APT_RUNTIME) $(APT_CORPUS) $(APT_BRIDGE)
test: system-deps $(VENV)/.dev-installed
	$(VENV)/bin/pytest

test-slow: APT_PACKAGES = $(APT_RUNTIME) $(APT_CORPUS) $(APT_BRIDGE)
test-slow: system-deps $(VENV)/.dev-installed
	$(VENV)/bin/pytest -m slow

bench: system-deps $(VENV)/.dev-installed
	$(PY) bench/engine_vs_diffusers.py
	$(PY) bench/daemon.py
	test ! -f engine/weights/starter/model_index.json || $(PY) bench/starter_speed.py

$(PY):
	python3 -m venv $(VENV)
	$(PIP) install --upgrade pip

$(VENV)/.engine-installed: pyproject.toml | $(PY)
	$(PIP) install $(TORCH)
	$(PIP_EDITABLE) '.[engine]'
	@touch $@

$(VENV)/.dev-installed: pyproject.toml | $(PY)
	$(PIP) install $(TORCH)
	$(PIP_EDITABLE) '.[all,dev]'
	@touch $@ $(VENV)/.engine-installed

corpus: APT_PACKAGES = $(APT_RUNTIME) $(APT_CORPUS)
corpus: system-deps $(VENV)/.engine-installed
	$(PY) -m soundloom.engine.training.corpus .cache/corpus --seed 0 --jobs 2

APT_PACKAGES ?= $(APT_RUNTIME)
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "soundloom needs Debian packages:$$missing (sudo apt-get install$$missing)" >&2; fi; \
	fi

clean:
	rm -rf $(VENV) .cache out
