# linbuild: the two commands are `make image ARCH=…` (build images) and `make test`.
SWIFT    ?= swift
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
SHAREDIR ?= $(PREFIX)/share/linbuild
E2E_DIR  ?= $(CURDIR)/.e2e

# make image ARCH=hopper BRANCH=main PUSH=1 TAG_SUFFIX=x MAX_JOBS=8 [ARGS="--registry …"]
ARCH       ?=
BRANCH     ?=
PUSH       ?=
TAG_SUFFIX ?=
MAX_JOBS   ?=
ARGS       ?=

SOURCES := Package.swift $(shell find Sources -name '*.swift' 2>/dev/null)

.PHONY: all image test test-e2e e2e-up e2e-down lint install uninstall bench bench-recipe clean recipe-test recipe-up recipe-down

all: linbuild

# The Swift runtime is linked in: the binary runs on machines without a Swift toolchain (the big
# build box; it needs only libcurl4 there, loaded when a registry or package index is asked) and
# starts in 13 ms instead of 22 (bench/README.md). (The linker's warning about `mktemp` comes
# from Foundation's own static library, not from linbuild.)
RELEASE := -c release --static-swift-stdlib
# A file that imports a target its own does not depend on (say LinbuildProcess in the model) fails
# every build, not only the builds where that module happened to be compiled first.
IMPORTS := --explicit-target-dependency-import-check error

linbuild: $(SOURCES) Makefile
	$(SWIFT) build $(RELEASE) $(IMPORTS) --product linbuild
	cp "$$($(SWIFT) build $(RELEASE) --show-bin-path)/linbuild" linbuild

image: linbuild
	./linbuild $(if $(ARCH),--arch $(ARCH)) $(if $(BRANCH),--branch '$(BRANCH)') \
	  $(if $(MAX_JOBS),--max-jobs $(MAX_JOBS)) $(if $(TAG_SUFFIX),--tag-suffix '$(TAG_SUFFIX)') \
	  $(if $(filter 1 yes true,$(PUSH)),--push) $(ARGS)

# Every test. The end-to-end suite runs when an engine and registry are up (make e2e-up, or
# LINBUILD_E2E_ENV pointing at their env file); LINBUILD_E2E=required makes its absence a failure.
test:
	$(SWIFT) build --build-tests $(IMPORTS)
	$(SWIFT) test --skip-build

# Throwaway engines, registries and a podman store on loopback, the full suite against them, then
# all stopped.
test-e2e:
	Tests/support/e2e-services.sh up "$(E2E_DIR)"
	LINBUILD_E2E=required LINBUILD_E2E_ENV="$(E2E_DIR)/env" $(MAKE) test; \
	  status=$$?; Tests/support/e2e-services.sh down "$(E2E_DIR)"; exit $$status

e2e-up:
	Tests/support/e2e-services.sh up "$(E2E_DIR)"

e2e-down:
	Tests/support/e2e-services.sh down "$(E2E_DIR)"

# The shipped docker/Dockerfile built offline against stand-in upstreams, each runtime image checked
# (docs/testing.md, "make recipe-test"). ARCH=a,b|all (default all); SOURCE=a local git repository (default:
# the fixture application in Tests/recipe/app); TORCH=stub|real (default stub: small stand-in
# wheels; real: PyPI's torch, several GB, cached in RECIPE_CACHE); OPTIONAL_IMPORTS=a,b: modules the
# application imports without declaring them (optional integrations: their importers are skipped);
# RECIPE_AUTH=1 builds from the stand-ins' private mirror (credentials) and searches everything the run
# made for them; RECIPE_LOCK=1 builds from a lock of the stand-ins (digests and wheel hashes) and checks
# that a wrong hash or a lost digest is refused; RECIPE_KEEP_UP=1 leaves the stand-ins running.
SOURCE ?=
TORCH  ?=
OPTIONAL_IMPORTS ?=
RECIPE_AUTH ?=
RECIPE_LOCK ?=
recipe-test: linbuild
	RECIPE_OPTIONAL_IMPORTS='$(OPTIONAL_IMPORTS)' Tests/recipe/run --arch "$(or $(ARCH),all)" --torch "$(or $(TORCH),stub)" $(if $(SOURCE),--source '$(SOURCE)') $(if $(filter 1,$(RECIPE_AUTH)),--auth) $(if $(filter 1,$(RECIPE_LOCK)),--lock)

recipe-up:
	RECIPE_TORCH="$(or $(TORCH),stub)" Tests/recipe/standins/up "$(CURDIR)/.recipe"

recipe-down:
	Tests/recipe/standins/down "$(CURDIR)/.recipe"

# Static checks of the shipped files: hadolint on the Dockerfile, swift-format's rules and layout on
# the Swift code (.swift-format; `swift format -i -r Sources Tests Package.swift` fixes the layout),
# and the plan contract. Off in .swift-format, as the code's style differs: DoNotUseSemicolons (short
# `a; b` bodies), GroupNumericLiterals (SHA-256 constants written as the standard prints them),
# OneVariableDeclarationPerLine (`let out = Pipe(), err = Pipe()`).
lint: linbuild
	hadolint docker/Dockerfile
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift
	./linbuild check --arch all

# Benchmarks against a real engine (bench/README.md); QUICK=1 for a smoke run of the harness.
bench:
	python3 bench/run $(if $(QUICK),--quick)

# The edit -> image loop on the shipped recipe, against the stand-ins (bench/README.md).
bench-recipe: linbuild
	bench/recipe-iteration $(if $(ARCH),--arch $(ARCH)) --torch "$(or $(TORCH),stub)" $(if $(filter 1 yes true,$(PUSH)),--push)

# docs/reference.md is the binary's own option and exit-code reference (`linbuild help reference`),
# written from its option table; ReferencePageTests fails when the two differ: run this after a change.
.PHONY: docs
docs: linbuild
	mkdir -p docs && ./linbuild help reference > docs/reference.md

install: linbuild
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(SHAREDIR)/docker"
	install -m 755 linbuild "$(DESTDIR)$(BINDIR)/linbuild"
	install -m 644 presets.json "$(DESTDIR)$(SHAREDIR)/presets.json"
	install -m 644 docker/Dockerfile "$(DESTDIR)$(SHAREDIR)/docker/Dockerfile"
	install -d "$(DESTDIR)$(PREFIX)/share/bash-completion/completions" \
	  "$(DESTDIR)$(PREFIX)/share/zsh/site-functions" "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d"
	./linbuild completions bash > "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/linbuild"
	./linbuild completions zsh > "$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_linbuild"
	./linbuild completions fish > "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/linbuild.fish"

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/linbuild" "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/linbuild" \
	  "$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_linbuild" "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/linbuild.fish"
	rm -rf "$(DESTDIR)$(SHAREDIR)"

clean:
	rm -rf .build linbuild .linbuild
