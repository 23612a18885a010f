# The two quick-start commands: `make demo` and `make test`. Both set up everything first.
.PHONY: setup demo test lint bench bench-pipeline

setup:
	@./scripts/setup.sh

demo:
	@GAPFORGE_LANGUAGES=cpp ./scripts/setup.sh
	.venv/bin/gapforge demo --out demo-out

test:
	@GAPFORGE_LANGUAGES=cpp,rust,go,java,javascript ./scripts/setup.sh
	./scripts/test.sh

bench: setup
	.venv/bin/python benchmarks/sandbox_throughput.py

bench-pipeline: setup
	.venv/bin/python benchmarks/pipeline.py
