"""Migrations: up, down, up again on both backends; no drift between models and migrations;
the live migrated schema keeps the seed contract (tests/seed_contract.py): every column with
its nullability, every unique constraint and every index, checked against the database
itself rather than against the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from core.migrate import downgrade_to_base, upgrade_to_head
from core.models import Base
from tests.seed_contract import SEED_CONTRACT, IndexSpec

SEED_TABLES = set(SEED_CONTRACT)


def test_upgrade_downgrade_upgrade(database_url):
    downgrade_to_base(database_url)
    engine = create_engine(database_url)
    assert not SEED_TABLES & set(inspect(engine).get_table_names())
    upgrade_to_head(database_url)
    assert SEED_TABLES <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_models_and_migrations_do_not_drift(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations differ; add a migration: {diff}"


def test_live_schema_has_every_contract_table(engine):
    assert SEED_TABLES - set(inspect(engine).get_table_names()) == set()


def test_live_columns_keep_the_contract_and_its_nullability(engine):
    assert_contract_holds(engine, column_breaks)


def test_live_unique_constraints_keep_the_contract(engine):
    assert_contract_holds(engine, unique_constraint_breaks)


def test_live_indexes_keep_the_contract(engine):
    assert_contract_holds(engine, index_breaks)


def assert_contract_holds(engine, breaks_of_table) -> None:
    live = inspect(engine)
    broken = [
        f"{table}.{problem}"
        for table, contract in SEED_CONTRACT.items()
        for problem in breaks_of_table(live, table, contract)
    ]
    assert not broken, "\n".join(broken)


def column_breaks(live, table, contract):
    columns = {c["name"]: c["nullable"] for c in live.get_columns(table)}
    for name, nullable in contract.nullability().items():
        if name not in columns:
            yield f"{name} is missing"
        elif columns[name] != nullable:
            yield f"{name} nullable={columns[name]}, contract says {nullable}"


def unique_constraint_breaks(live, table, contract):
    uniques = {u["name"]: tuple(u["column_names"]) for u in live.get_unique_constraints(table)}
    for name, columns in contract.unique_constraints.items():
        if uniques.get(name) != columns:
            yield f"{name}: contract {columns}, live {uniques.get(name)}"


def index_breaks(live, table, contract):
    indexes = {
        i["name"]: IndexSpec(tuple(i["column_names"]), bool(i["unique"]))
        for i in live.get_indexes(table)
    }
    for name, spec in contract.indexes.items():
        if indexes.get(name) != spec:
            yield f"{name}: contract {spec}, live {indexes.get(name)}"


def test_json_columns_are_jsonb_on_postgresql(engine):
    if engine.dialect.name != "postgresql":
        return
    column = {c["name"]: c for c in inspect(engine).get_columns("product_draft")}["extracted_data"]
    assert column["type"].__class__.__name__ == "JSONB"
