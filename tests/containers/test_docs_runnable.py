"""The guides' `<!-- runnable: production -->` and `<!-- runnable: dev -->` blocks, run as
written in the checkout against the Compose stacks the other container tests bring up: as the
operator on the production stack, with `SITE` its HTTPS address and curl trusting its
self-signed certificate, and on the development stack with `SITE` its HTTP address. Each must
exit 0 and leave its stack healthy."""

import pytest
from container_fixtures import ProductionPorts, Stack
from docs_support import MarkedBlock, runnable_blocks


def run_block(stack: Stack, block: MarkedBlock, site: str, **env: str) -> None:
    result = stack.run(
        "bash",
        "-euo",
        "pipefail",
        "-c",
        block.code,
        env={"SITE": site, **env},
        check=False,
    )
    assert result.returncode == 0, (
        f"{block.location} exited {result.returncode}:\n{result.stdout[-4000:]}\n"
        f"{result.stderr[-4000:]}"
    )
    stack.wait_healthy()


@pytest.mark.parametrize("block", runnable_blocks("production"), ids=lambda block: block.location)
def test_production_block_runs(
    block: MarkedBlock, production_stack: Stack, production_ports: ProductionPorts
) -> None:
    run_block(
        production_stack,
        block,
        production_ports.https_url,
        CURL_CA_BUNDLE=str(production_stack.directory / "nginx" / "ssl" / "fullchain.pem"),
    )


@pytest.mark.parametrize("block", runnable_blocks("dev"), ids=lambda block: block.location)
def test_dev_block_runs(block: MarkedBlock, dev_stack: Stack, dev_port: int) -> None:
    run_block(dev_stack, block, f"http://127.0.0.1:{dev_port}")
