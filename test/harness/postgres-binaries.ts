/**
 * @module
 * Finds the PostgreSQL 15 server binaries and the pg_cron extension, installing them with apt when we
 * run as root (CI, fresh dev boxes), or failing with the exact command to run otherwise.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export const PG_MAJOR = 15;
const APT_PACKAGES = [`postgresql-${PG_MAJOR}`, `postgresql-${PG_MAJOR}-cron`];
const INSTALL_COMMAND = `sudo apt-get update && sudo apt-get install -y ${APT_PACKAGES.join(" ")}`;

export interface PostgresBinaries {
  binDir: string;
  initdb: string;
  pgCtl: string;
  psql: string;
}

function probe(binDir: string): { server: boolean; cron: boolean } {
  const server = existsSync(join(binDir, "initdb")) && existsSync(join(binDir, "pg_ctl"));
  if (!server) return { server, cron: false };
  const libDir = execFileSync(join(binDir, "pg_config"), ["--pkglibdir"], { encoding: "utf8" }).trim();
  return { server, cron: existsSync(join(libDir, "pg_cron.so")) };
}

/** Locates (or, as root, installs) PostgreSQL 15 with pg_cron. `PG_BIN` overrides the bin directory. */
export function ensurePostgresBinaries(env: NodeJS.ProcessEnv = process.env): PostgresBinaries {
  const binDir = env.PG_BIN ?? `/usr/lib/postgresql/${PG_MAJOR}/bin`;
  let found = probe(binDir);
  if ((!found.server || !found.cron) && env.PG_BIN === undefined && process.getuid?.() === 0) {
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    execFileSync("apt-get", ["install", "-y", "-qq", ...APT_PACKAGES], {
      stdio: "inherit",
      env: { ...env, DEBIAN_FRONTEND: "noninteractive" },
    });
    found = probe(binDir);
  }
  if (!found.server) {
    throw new Error(`PostgreSQL ${PG_MAJOR} server binaries not found in ${binDir}. Run: ${INSTALL_COMMAND}`);
  }
  if (!found.cron) {
    throw new Error(`pg_cron for PostgreSQL ${PG_MAJOR} is not installed. Run: ${INSTALL_COMMAND}`);
  }
  return {
    binDir,
    initdb: join(binDir, "initdb"),
    pgCtl: join(binDir, "pg_ctl"),
    psql: join(binDir, "psql"),
  };
}
