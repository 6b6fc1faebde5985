"""graphlab.jobs: a background function ends done, failed (one sentence) or cancelled."""

import threading

import pytest

from engine.errors import GraphLabError
from graphlab.jobs import CANCELLED, DONE, FAILED, Job


@pytest.fixture(autouse=True)
def log_here(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHLAB_LOG_DIR", str(tmp_path))
    return tmp_path


def finished(job: Job) -> Job:
    assert job.wait(10), "the job did not finish"
    return job


def test_a_job_returns_its_result_and_reports_progress():
    def work(job):
        for i in range(3):
            job.report(i, 3)
        return "answer"

    job = finished(Job(work, "answering"))
    assert (job.state, job.result, job.error, job.progress) == (DONE, "answer", None, (2, 3))
    assert job.message() == "done"


def test_a_graphlab_error_is_shown_as_it_is(log_here):
    def work(job):
        raise GraphLabError("folds must be between 2 and 10, got 11")

    job = finished(Job(work, "running the kNN cross-validation"))
    assert (job.state, job.result) == (FAILED, None)
    assert job.message() == "folds must be between 2 and 10, got 11"
    assert not (log_here / "graphlab-errors.log").exists()


def test_an_unexpected_error_is_one_sentence_and_a_logged_traceback(log_here):
    def work(job):
        return {}["missing"]

    job = finished(Job(work, "running the search"))
    assert job.state == FAILED
    assert job.error.startswith("unexpected error while running the search: KeyError: 'missing'")
    assert "\n" not in job.error and "Traceback" not in job.error
    log = (log_here / "graphlab-errors.log").read_text()
    assert "Traceback" in log and 'return {}["missing"]' in log


def test_cancel_stops_the_work_at_its_next_report():
    started, steps = threading.Event(), []

    def work(job):
        started.set()
        for i in range(1000):
            job.report(i, 1000)
            steps.append(i)
            threading.Event().wait(0.01)
        return "never"

    job = Job(work, "counting")
    assert started.wait(10)
    job.cancel()
    finished(job)
    assert (job.state, job.result) == (CANCELLED, None)
    assert len(steps) < 1000


def test_a_result_that_arrives_after_cancel_is_dropped():
    go = threading.Event()

    def work(job):
        go.wait(10)
        return "late"

    job = Job(work, "waiting")
    job.cancel()
    go.set()
    assert finished(job).state == CANCELLED and job.result is None


def test_a_job_says_what_it_does_and_polling_work_sees_a_cancel():
    said, polled = threading.Event(), threading.Event()

    def work(job):
        job.report(5, 5)
        job.say("the plane")
        assert job.progress is None  # a new stage counts from nothing
        said.set()
        while not job.cancelled():  # work that polls, as the course's loops do
            threading.Event().wait(0.01)
        polled.set()
        job.say("after the cancel")  # raises JobCancelled
        return "never"

    job = Job(work, "computing")
    assert said.wait(10) and job.stage == "the plane" and not job.cancelled()
    job.cancel()
    finished(job)
    assert polled.is_set()
    assert (job.state, job.result) == (CANCELLED, None)
