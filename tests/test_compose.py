"""Static checks of docker-compose.yml, the Dockerfile and .dockerignore (no Docker engine needed)."""

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

APP_SERVICES = ("web", "worker", "worker-heavy", "beat")
ALL_SERVICES = (*APP_SERVICES, "postgres", "redis")
MEDIA_ROOT = "/data/media"

# Compose interpolation: "$$" is a literal "$"; anything else must be $NAME or ${NAME...}.
INTERPOLATION = re.compile(r"\$\$|\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[-?+][^}]*)?\}|\$[A-Za-z_]\w*")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    # safe_load resolves the &anchors, *aliases and `<<` merge keys of the x-app extension.
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment as a dict, whether written as a mapping or as KEY=VALUE items."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(key): "" if value is None else str(value) for key, value in env.items()}


def command(service: dict[str, Any]) -> list[str]:
    cmd = service.get("command") or []
    return shlex.split(cmd) if isinstance(cmd, str) else [str(part) for part in cmd]


def healthcheck_test(service: dict[str, Any]) -> str:
    test = service["healthcheck"]["test"]
    return test if isinstance(test, str) else " ".join(str(part) for part in test)


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def volume_targets(service: dict[str, Any]) -> dict[str, str]:
    """Mount target -> source, for short ("src:dst[:mode]") and long syntax."""
    mounts = {}
    for volume in service.get("volumes") or []:
        if isinstance(volume, str):
            source, target = volume.split(":")[:2]
        else:
            source, target = volume.get("source", ""), volume["target"]
        mounts[target] = source
    return mounts


def strings(node: Any):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(key)
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


# docker-compose.yml


def test_services_exist(services):
    for name in ALL_SERVICES:
        assert name in services, f"service {name!r} missing"


@pytest.mark.parametrize("name", ALL_SERVICES)
def test_every_service_has_a_healthcheck(services, name):
    healthcheck = services[name].get("healthcheck")
    assert healthcheck, f"{name} has no healthcheck"
    assert not healthcheck.get("disable")
    assert healthcheck_test(services[name]).strip()


def test_healthcheck_commands(services):
    assert "pg_isready" in healthcheck_test(services["postgres"])
    assert "redis-cli ping" in healthcheck_test(services["redis"])
    web = healthcheck_test(services["web"])
    assert "urllib" in web
    assert "http://127.0.0.1:8000/accounts/login/" in web
    worker = healthcheck_test(services["worker"])
    assert "celery -A config inspect ping" in worker
    # `$$` so that the container's HOSTNAME is used, not the host's at `compose up` time.
    assert "-d celery@$$HOSTNAME" in worker
    assert "-d heavy@$$HOSTNAME" in healthcheck_test(services["worker-heavy"])
    # Beat serves no port: its check loads the Celery app and reaches the broker.
    assert "celery_app" in healthcheck_test(services["beat"])


def test_web_healthcheck_host_is_allowed(services):
    # The web healthcheck requests 127.0.0.1; production ALLOWED_HOSTS must accept it.
    hosts = environment(services["web"])["DJANGO_ALLOWED_HOSTS"]
    assert "127.0.0.1" in hosts.split(",")


def test_images(services):
    # PostgreSQL 15 with the prioritize extension (refunds.dbpriority), built from the official image.
    assert services["postgres"]["image"] == "refund-desk-postgres:15"
    dockerfile = (ROOT / services["postgres"]["build"]["context"] / "Dockerfile").read_text()
    assert "FROM postgres:15\n" in dockerfile
    assert "postgresql-${PG_MAJOR}-prioritize" in dockerfile
    assert services["redis"]["image"] == "redis:7"


def test_app_services_share_image_and_build(services):
    web = services["web"]
    assert web.get("build") or web.get("image")
    for name in ("worker", "worker-heavy", "beat", "migrate"):
        assert services[name].get("build") == web.get("build"), name
        assert services[name].get("image") == web.get("image"), name


def test_app_services_share_the_same_environment(services):
    # The web processes alone have a statement timeout: a job's statement may run for minutes.
    web_env = environment(services["web"])
    assert web_env.pop("DATABASE_STATEMENT_TIMEOUT_SECONDS") == "30"
    for name in ("worker", "worker-heavy", "beat"):
        assert environment(services[name]) == web_env, name
    # The migrate service differs only in its database role: the tables' owner.
    web_env = environment(services["web"])
    web_env.pop("DATABASE_STATEMENT_TIMEOUT_SECONDS")
    migrate_env = environment(services["migrate"])
    assert {k: v for k, v in migrate_env.items() if k != "DATABASE_URL"} == {
        k: v for k, v in web_env.items() if k != "DATABASE_URL"
    }


def test_app_environment_values(services):
    env = environment(services["web"])
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert env["DATABASE_URL"] == (
        "postgres://refund_app:${POSTGRES_APP_PASSWORD:-refund_app}@postgres:5432/refund_desk"
    )
    assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    assert env["CELERY_RESULT_BACKEND"] == "redis://redis:6379/1"
    assert env["CACHE_URL"] == "redis://redis:6379/2"
    assert env["DJANGO_MEDIA_ROOT"] == MEDIA_ROOT
    assert "DJANGO_ALLOWED_HOSTS" in env
    # Required from the environment: compose refuses to start without it.
    assert env["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?")


def test_database_url_matches_postgres_service(services):
    pg_env = environment(services["postgres"])
    url = environment(services["migrate"])["DATABASE_URL"]
    user, password, db = pg_env["POSTGRES_USER"], pg_env["POSTGRES_PASSWORD"], pg_env["POSTGRES_DB"]
    assert url == f"postgres://{user}:{password}@postgres:5432/{db}"
    assert "db_grant_app_role refund_app" in " ".join(services["migrate"]["command"])
    init = ROOT / "deploy" / "postgres-init" / "10-app-role.sh"
    assert "CREATE ROLE refund_app LOGIN" in init.read_text()


def test_app_services_share_the_media_volume(compose, services):
    sources = {volume_targets(services[name]).get(MEDIA_ROOT) for name in APP_SERVICES}
    assert len(sources) == 1, sources
    (source,) = sources
    assert source, "media must be mounted at /data/media"
    assert source in (compose.get("volumes") or {}), "media must be a named volume"


def test_named_volumes(compose, services):
    volumes = compose.get("volumes") or {}
    pg_source = volume_targets(services["postgres"]).get("/var/lib/postgresql/data")
    assert pg_source in volumes
    for service in services.values():
        for source in volume_targets(service).values():
            if source and not source.startswith((".", "/", "~")):
                assert source in volumes, f"volume {source!r} not declared"


def test_web_runs_gunicorn(services):
    cmd = command(services["web"])
    assert cmd[:2] == ["gunicorn", "config.wsgi:application"]
    assert any("0.0.0.0:8000" in part for part in cmd)
    assert "--worker-class=config.workers.SyncWorker" in cmd


def test_heavy_jobs_have_a_worker_of_their_own_at_a_lower_priority(services):
    """Imports and detection are routed to the heavy queue (CELERY_HEAVY_QUEUE), which only
    worker-heavy takes, niced and with a smaller CPU weight; the other worker takes the rest."""
    assert environment(services["web"])["CELERY_HEAVY_QUEUE"] == "heavy"
    heavy = command(services["worker-heavy"])
    assert heavy[:3] == ["nice", "-n", "10"] and "--queues=heavy" in heavy
    assert services["worker-heavy"]["cpu_shares"] < 1024
    assert "--queues=celery" in command(services["worker"])


def test_database_server_keeps_the_pages_tables_in_its_own_memory(services):
    """The postgres service sizes its buffer pool and WAL for the pages and the jobs, and reads
    its buffers back after a restart (pg_prewarm's autoprewarm)."""
    cmd = command(services["postgres"])
    assert cmd[0] == "postgres"
    settings = dict(part.split("=", 1) for flag, part in zip(cmd[1::2], cmd[2::2], strict=True)
                    if flag == "-c")  # fmt: skip
    assert settings["shared_buffers"].startswith("${POSTGRES_SHARED_BUFFERS:-")
    assert settings["max_wal_size"].startswith("${POSTGRES_MAX_WAL_SIZE:-")
    assert "pg_prewarm" in settings["shared_preload_libraries"].split(",")


def test_worker_runs_celery_worker(services):
    cmd = " ".join(command(services["worker"]))
    assert cmd.startswith("celery ")
    assert "-A config worker" in cmd
    assert re.search(r"--concurrency[= ]\$\{[A-Z_]+", cmd), "concurrency must come from the env"


def test_beat_runs_celery_beat(services):
    cmd = " ".join(command(services["beat"]))
    assert cmd.startswith("celery ")
    assert "-A config beat" in cmd


def test_migrate_is_a_one_shot(services):
    migrate = services["migrate"]
    script = " ".join(command(migrate))
    assert "manage.py migrate --noinput &&" in script
    assert str(migrate.get("restart", "no")) == "no"
    assert depends_on(migrate).get("postgres") == "service_healthy"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_wait_for_healthy_backends(services, name):
    deps = depends_on(services[name])
    assert deps.get("postgres") == "service_healthy"
    assert deps.get("redis") == "service_healthy"


@pytest.mark.parametrize("name", ("web", "worker"))
def test_migrations_run_before_web_and_worker(services, name):
    assert depends_on(services[name]).get("migrate") == "service_completed_successfully"


def test_dependencies_exist(services):
    for name, service in services.items():
        for dep in depends_on(service):
            assert dep in services, f"{name} depends on unknown service {dep!r}"


def test_interpolation_is_well_formed(compose):
    for text in strings(compose):
        leftover = INTERPOLATION.sub("", text)
        assert "$" not in leftover, f"bad compose interpolation in {text!r}"


# Dockerfile and .dockerignore


@pytest.fixture(scope="module")
def dockerfile() -> str:
    assert DOCKERFILE.is_file(), "Dockerfile missing"
    return DOCKERFILE.read_text(encoding="utf-8")


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", dockerfile)
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def test_dockerfile_base_image(dockerfile):
    froms = [args for keyword, args in instructions(dockerfile) if keyword == "FROM"]
    assert froms and froms[-1].startswith("python:3.11-slim")


def test_dockerfile_uses_production_settings(dockerfile):
    assert "config.settings.production" in dockerfile


def test_dockerfile_installs_project_and_fonts(dockerfile):
    runs = " ".join(args for keyword, args in instructions(dockerfile) if keyword == "RUN")
    assert re.search(r"pip install (\S+ )*\.(\s|$|&)", runs)
    assert "fonts-noto-cjk" in runs
    assert "--no-install-recommends" in runs


def test_dockerfile_collectstatic_with_build_only_secret(dockerfile):
    steps = instructions(dockerfile)
    collect = [args for keyword, args in steps if keyword == "RUN" and "collectstatic" in args]
    assert collect, "collectstatic must run at build time"
    assert "DJANGO_SECRET_KEY=" in collect[0]
    # The dummy key must not become part of the image's environment.
    for keyword, args in steps:
        if keyword in ("ENV", "ARG"):
            assert "DJANGO_SECRET_KEY" not in args


def test_dockerfile_compiles_translations(dockerfile):
    if not any((ROOT / "locale").rglob("*.po")):
        pytest.skip("no translations yet")
    runs = " ".join(args for keyword, args in instructions(dockerfile) if keyword == "RUN")
    assert "msgfmt" in runs or "compilemessages" in runs


def test_dockerfile_runs_as_non_root(dockerfile):
    users = [args for keyword, args in instructions(dockerfile) if keyword == "USER"]
    assert users, "no USER instruction"
    assert users[-1].split(":")[0] not in ("root", "0")


def test_dockerfile_default_command_is_gunicorn(dockerfile):
    cmds = [args for keyword, args in instructions(dockerfile) if keyword == "CMD"]
    assert cmds
    assert "gunicorn" in cmds[-1]
    assert "config.wsgi:application" in cmds[-1]
    assert "0.0.0.0:8000" in cmds[-1]
    assert "config.workers.SyncWorker" in cmds[-1]


def test_dockerignore_keeps_local_state_out():
    assert DOCKERIGNORE.is_file()
    entries = {line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()}
    for entry in (".git", ".venv", ".env", "var"):
        assert entry in entries, f"{entry} should be in .dockerignore"
