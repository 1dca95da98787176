"""The harness reads wrk's and pgbench's figures right, and refuses output it can't read."""

import pytest

from perf.pgbench import parse_pgbench_output
from perf.workloads import Line
from perf.wrk import WrkError, parse_wrk_output

# What wrk 4.1 printed for a 1 s run of lua/replay.lua (its `done` adds the last line).
WRK_STDOUT = """\
Running 1s test @ http://127.0.0.1:8765
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.41ms    6.13ms  52.37ms   91.52%
    Req/Sec   450.45    122.73   656.00     80.00%
  898 requests in 1.00s, 364.81KB read
  Non-2xx or 3xx responses: 7
Requests/sec:    894.06
Transfer/sec:    363.21KB
WRK_RESULT {"requests":898,"duration_us":1004409,"bytes":373568,"connect_errors":1,\
"read_errors":2,"write_errors":0,"status_errors":7,"timeouts":3,\
"latency_us":{"p50":3637,"p90":10393,"p99":35402,"max":52372,"mean":5413.1}}
"""

PGBENCH_STDOUT = """\
pgbench (18.6)
transaction type: <builtin: select only>
scaling factor: 1
query mode: simple
number of clients: 4
number of threads: 2
maximum number of tries: 1
duration: 2 s
number of transactions actually processed: 43421
number of failed transactions: 0 (0.000%)
latency average = 0.184 ms
initial connection time = 11.879 ms
tps = 21795.994790 (without initial connection time)
"""


def test_wrk_result_line_gives_throughput_latency_and_errors() -> None:
    result = parse_wrk_output(WRK_STDOUT)

    assert result.requests == 898
    assert result.duration_s == pytest.approx(1.004409)
    assert result.requests_per_second == pytest.approx(898 / 1.004409)
    assert result.latency_ms == pytest.approx(
        {"p50": 3.637, "p90": 10.393, "p99": 35.402, "max": 52.372, "mean": 5.4131}
    )
    assert result.status_errors == 7
    assert result.socket_errors == 1 + 2 + 0 + 3
    assert result.errors == 13


@pytest.mark.parametrize(
    "stdout",
    [
        WRK_STDOUT.replace("WRK_RESULT", "RESULT"),
        WRK_STDOUT + WRK_STDOUT.splitlines()[-1] + "\n",
    ],
    ids=["no result line", "two result lines"],
)
def test_wrk_output_without_exactly_one_result_line_is_refused(stdout: str) -> None:
    with pytest.raises(WrkError):
        parse_wrk_output(stdout)


def test_pgbench_output_gives_tps_latency_and_failures() -> None:
    result = parse_pgbench_output(PGBENCH_STDOUT)

    assert result.transactions_per_second == pytest.approx(21795.994790)
    assert result.latency_average_ms == pytest.approx(0.184)
    assert result.failed == 0


def test_pgbench_output_without_tps_is_refused() -> None:
    with pytest.raises(RuntimeError, match="no result"):
        parse_pgbench_output(PGBENCH_STDOUT.replace("tps =", "tx ="))


def test_request_lines_are_tab_separated_and_refuse_tabs_inside() -> None:
    line = Line("POST", "/api/orders", "token", '{"items":[]}', idempotent=True)
    assert line.render() == 'POST\t/api/orders\ttoken\t{"items":[]}\t1'
    assert Line("GET", "/api/health").render() == "GET\t/api/health\t\t\t"
    with pytest.raises(ValueError, match="tabs or newlines"):
        Line("POST", "/api/orders", body='{"note":"a\tb"}').render()
