/**
 * @module
 * Throwaway PostgreSQL 15 clusters with pg_cron. A *template* cluster is built once per test run
 * (initdb, Supabase platform mirror, every migration in order) and stopped; each test file then copies
 * its data directory and starts its own cluster on a free port, so files never share a database and
 * pg_cron (which lives in one database per cluster) works in every copy.
 *
 * Roles as on Supabase: the bootstrap superuser is `supabase_admin` (it applies the platform mirror), and
 * `postgres`, a NOSUPERUSER role with the platform's attributes, applies the migrations and is the role
 * of `url`, as it is the role of SUPABASE_DB_URL and of the SQL editor on a project. A migration that needs
 * superuser fails here as it would on the platform.
 *
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` OS user.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./free-port.ts";
import { ensurePostgresBinaries, type PostgresBinaries } from "./postgres-binaries.ts";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const PLATFORM_SQL = join(REPO_ROOT, "infra/local/supabase-platform.sql");
export const MIGRATIONS_DIR = join(REPO_ROOT, "supabase/migrations");

const isRoot = process.getuid?.() === 0;

let postgresOsUser: { uid: number; gid: number } | undefined;

/**
 * The `postgres` OS user's ids when we run as root (looked up once: chownTree visits every file of a
 * data directory, and spawning `id` per file made the local stack take over a minute to start).
 */
export function osUser(): { uid: number; gid: number } | undefined {
  if (!isRoot) return undefined;
  if (postgresOsUser === undefined) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    postgresOsUser = { uid, gid };
  }
  return postgresOsUser;
}

function run(bins: PostgresBinaries, command: string, args: string[]): string {
  const [file, argv] = isRoot ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
  const result = spawnSync(file, argv, { encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} failed (exit ${result.status}):\n${result.stderr}${result.stdout}`,
      {
        cause: result.error,
      },
    );
  }
  void bins;
  return result.stdout;
}

function chownTree(path: string): void {
  const owner = osUser();
  if (owner === undefined) return;
  chownSync(path, owner.uid, owner.gid);
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path)) chownTree(join(path, entry));
  }
}

function configure(dataDir: string, port: number): void {
  // Appended last, so these win over initdb's defaults.
  writeFileSync(
    join(dataDir, "postgresql.auto.conf"),
    [
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dataDir}'`,
      "shared_preload_libraries = 'pg_cron'",
      "cron.database_name = 'postgres'",
      // Background workers instead of libpq connections: no password or host setup needed.
      "cron.use_background_workers = on",
      "max_worker_processes = 32",
      "max_connections = 200",
      "timezone = 'UTC'",
      // A throwaway cluster: durability only costs time here.
      "fsync = off",
      "synchronous_commit = off",
      "full_page_writes = off",
      "",
    ].join("\n"),
  );
}

/** The bootstrap superuser, as on Supabase (`postgres` is not one there). */
export const SUPERUSER = "supabase_admin";

export interface RunningCluster {
  dataDir: string;
  port: number;
  /** Connection string of the platform's `postgres` role (not a superuser) to the `postgres` database. */
  url: string;
  /** Connection string of the superuser `supabase_admin`, for what only the platform itself may do. */
  adminUrl: string;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

function startIn(bins: PostgresBinaries, dataDir: string, port: number): RunningCluster {
  configure(dataDir, port);
  chownTree(join(dataDir, "postgresql.auto.conf"));
  run(bins, bins.pgCtl, ["-D", dataDir, "-l", join(dataDir, "server.log"), "-w", "-t", "60", "start"]);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const adminUrl = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
  let stopped = false;
  return {
    dataDir,
    port,
    url,
    adminUrl,
    async stop({ keepData = false } = {}) {
      if (stopped) return;
      stopped = true;
      run(bins, bins.pgCtl, ["-D", dataDir, "-m", "fast", "-w", "stop"]);
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function newDataDir(prefix: string, fixedDir?: string): string {
  let dir: string;
  if (fixedDir === undefined) {
    dir = mkdtempSync(join(tmpdir(), prefix));
  } else {
    mkdirSync(fixedDir, { recursive: true });
    dir = fixedDir;
  }
  chmodSync(dir, 0o700);
  chownTree(dir);
  return dir;
}

/** Migration files in the order they apply: timestamped names sort chronologically. */
export function migrationFiles(dir = MIGRATIONS_DIR): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith(".sql"))
    .sort()
    .map((name) => join(dir, name));
}

/** Applies SQL files with psql, each in one transaction, stopping at the first error. */
export function applySqlFiles(bins: PostgresBinaries, url: string, files: string[]): void {
  for (const file of files) {
    const result = spawnSync(
      bins.psql,
      ["-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-d", url, "-f", file],
      {
        encoding: "utf8",
      },
    );
    if (result.status !== 0) {
      throw new Error(`applying ${file} failed:\n${result.stderr}`);
    }
  }
}

/**
 * Builds a stopped template cluster with the platform mirror and all migrations applied.
 * Returns its data directory; `startClusterFromTemplate` copies it.
 */
export async function buildTemplateCluster(
  options: { migrations?: string[]; dataDir?: string } = {},
): Promise<string> {
  const bins = ensurePostgresBinaries();
  const dataDir = newDataDir("giggles-pg-template-", options.dataDir);
  run(bins, bins.initdb, [
    "-D",
    dataDir,
    "-U",
    SUPERUSER,
    "--auth=trust",
    "--encoding=UTF8",
    "--locale=C.UTF-8",
    // A throwaway cluster: no fsync of every new file (the slowest part of initdb on a busy disk).
    "--no-sync",
  ]);
  const cluster = startIn(bins, dataDir, await freePort());
  try {
    applySqlFiles(bins, cluster.adminUrl, [PLATFORM_SQL]);
    // As the platform's non-superuser `postgres`, like `supabase db push`.
    applySqlFiles(bins, cluster.url, options.migrations ?? migrationFiles());
  } finally {
    await cluster.stop({ keepData: true });
  }
  return dataDir;
}

/**
 * A template cluster kept under `cacheDir` and reused while the platform mirror, the migrations and the
 * PostgreSQL binaries stay the same (their contents and paths are hashed into the folder's name). The local
 * stack starts from it: building the template (initdb and one psql per migration) was the slowest step of
 * `npm run stack` (5.2 s of 13.8 s under load). Built in a side folder and renamed into place, so a
 * half-built template is never used; older templates in `cacheDir` are removed.
 */
export async function cachedTemplateCluster(cacheDir: string): Promise<{ dir: string; built: boolean }> {
  const bins = ensurePostgresBinaries();
  const hash = createHash("sha256");
  hash.update(bins.binDir);
  for (const file of [PLATFORM_SQL, ...migrationFiles()]) {
    hash.update(file);
    hash.update(readFileSync(file));
  }
  const name = `pg-template-${hash.digest("hex").slice(0, 16)}`;
  const dir = join(cacheDir, name);
  if (existsSync(join(dir, "PG_VERSION"))) return { dir, built: false };
  mkdirSync(cacheDir, { recursive: true });
  const building = join(cacheDir, `${name}.building-${process.pid}`);
  const built = await buildTemplateCluster({ dataDir: building });
  try {
    renameSync(built, dir);
  } catch (error) {
    // Another process finished first: use its template.
    rmSync(built, { recursive: true, force: true });
    if (!existsSync(join(dir, "PG_VERSION"))) throw error;
  }
  for (const other of readdirSync(cacheDir)) {
    if (other.startsWith("pg-template-") && other !== name && !other.includes(".building-")) {
      rmSync(join(cacheDir, other), { recursive: true, force: true });
    }
  }
  return { dir, built: true };
}

/**
 * Starts a private cluster from a copy of the template's data directory, on a free port. `dataDir` puts
 * the copy there (an empty or missing folder) instead of a new temp folder.
 */
export async function startClusterFromTemplate(
  templateDir: string,
  options: { dataDir?: string } = {},
): Promise<RunningCluster> {
  const bins = ensurePostgresBinaries();
  const dataDir = newDataDir("giggles-pg-", options.dataDir);
  cpSync(templateDir, dataDir, { recursive: true });
  rmSync(join(dataDir, "postmaster.pid"), { force: true });
  chownTree(dataDir);
  return startIn(bins, dataDir, await freePort());
}

/** Starts a cluster whose data directory exists already (e.g. kept by `npm run stack -- --keep`). */
export async function startExistingCluster(dataDir: string): Promise<RunningCluster> {
  // A stale postmaster.pid is PostgreSQL's to judge: it refuses only if that server still runs.
  return startIn(ensurePostgresBinaries(), dataDir, await freePort());
}
