import { fillPlaceholders, type SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import type pg from "pg";
import type { Database } from "./client.ts";

const dialect = new PgDialect();

/**
 * A statement that each pooled connection parses and plans once and afterwards only executes, for
 * the few statements on the hot path of a request (the scan submission): re-planning an unnamed
 * statement every time costs Postgres about a fifth of its time for that insert (bench:api).
 * For raw sql`` (here: an insert feeding an insert through a CTE), which drizzle's own .prepare()
 * on query builders does not cover; placeholders keep table and column names tied to the schema. Behind a pooler, this needs one that keeps protocol-level prepared statements
 * (PgBouncer 1.21+ with max_prepared_statements > 0) or session pooling.
 */
export class NamedStatement<Param extends string> {
	private readonly text: string;
	private readonly params: unknown[];

	constructor(
		readonly name: string,
		query: SQL,
	) {
		const rendered = dialect.sqlToQuery(query);
		this.text = rendered.sql;
		this.params = rendered.params;
	}

	execute(db: Database, values: Record<Param, unknown>): Promise<pg.QueryResult> {
		return db.$client.query({ name: this.name, text: this.text, values: fillPlaceholders(this.params, values) });
	}
}
