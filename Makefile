.PHONY: demo test ts build fmt lint
demo:            ## install what is needed and run the single-user demo on 127.0.0.1:8095
	bash scripts/demo.sh
.PHONY: demo-team
demo-team:       ## three users (alice, bob, carol) behind real nginx with basic auth on 127.0.0.1:8090
	bash scripts/demo-team.sh
test:            ## install what is needed and run every test
	bash scripts/test.sh
ts:              ## regenerate the client's protocol types from protocol/
	DAILIES_UPDATE_TS=1 cargo test -p dailies-protocol ts_types
build:
	cargo build --release -p dailies-server
fmt:
	cargo fmt --all
lint:
	cargo clippy --workspace --all-targets -- -D warnings

.PHONY: deb
deb:             ## build the Debian package dailies_<version>_amd64.deb
	bash scripts/build-deb.sh
