/**
 * @module
 * Reads a systemd unit file the way systemd does, far enough to know what environment a service gets from
 * its `Environment=` lines: comments, line continuations, `[Section]` headers, `%%` specifiers, and the
 * word splitting of `extract_first_word(…, EXTRACT_UNQUOTE | EXTRACT_CUNESCAPE)` (quotes may wrap a whole
 * assignment or part of one; backslash escapes; whitespace separates assignments). A word that is not
 * `NAME=value` with a valid name is dropped, as systemd drops it ("Invalid environment assignment,
 * ignoring"); an empty `Environment=` resets the list.
 *
 * @see https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html#Environment=
 * @see https://www.freedesktop.org/software/systemd/man/latest/systemd.syntax.html
 */

/** One `key=value` line of a unit, with its section and 1-based line number (of its first line). */
export interface UnitEntry {
  section: string;
  key: string;
  value: string;
  line: number;
}

/** What {@link serviceEnvironment} found: the variables, and the words systemd would ignore. */
export interface ServiceEnvironment {
  env: Record<string, string>;
  ignored: { line: number; word: string }[];
}

/** Splits a unit file into entries (comments and blank lines dropped, continuations joined). */
export function parseUnitFile(text: string): UnitEntry[] {
  const entries: UnitEntry[] = [];
  let section = "";
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const firstLine = index + 1;
    let line = (lines[index] ?? "").trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    // A trailing backslash continues the line; systemd replaces it with a space. Comment lines inside a
    // continuation are skipped.
    while (line.endsWith("\\") && index + 1 < lines.length) {
      index++;
      const next = (lines[index] ?? "").trim();
      if (next.startsWith("#") || next.startsWith(";")) {
        line = `${line.slice(0, -1)}\\`;
        continue;
      }
      line = `${line.slice(0, -1)} ${next}`;
    }
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header?.[1] !== undefined) {
      section = header[1];
      continue;
    }
    const equals = line.indexOf("=");
    if (equals < 0) throw new Error(`line ${firstLine}: not an assignment: ${line}`);
    entries.push({
      section,
      key: line.slice(0, equals).trim(),
      value: line.slice(equals + 1).trim(),
      line: firstLine,
    });
  }
  return entries;
}

const C_ESCAPES: Readonly<Record<string, string>> = {
  a: "\u0007",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  s: " ",
  "\\": "\\",
  '"': '"',
  "'": "'",
};

/**
 * systemd's `extract_first_word` with `EXTRACT_UNQUOTE | EXTRACT_CUNESCAPE`, applied until the value is
 * used up. Throws on an unterminated quote or an unknown escape, as systemd rejects the whole line then.
 */
export function splitWords(value: string): string[] {
  const words: string[] = [];
  let index = 0;
  while (index < value.length) {
    while (index < value.length && /\s/.test(value.charAt(index))) index++;
    if (index >= value.length) break;
    let word = "";
    let quote: string | undefined;
    for (; index < value.length; index++) {
      const ch = value.charAt(index);
      if (ch === "\\") {
        const escaped = C_ESCAPES[value.charAt(index + 1)];
        if (escaped === undefined)
          throw new Error(`unknown escape \\${value.charAt(index + 1)} in: ${value}`);
        word += escaped;
        index++;
      } else if (quote !== undefined) {
        if (ch === quote) quote = undefined;
        else word += ch;
      } else if (ch === '"' || ch === "'") {
        quote = ch;
      } else if (/\s/.test(ch)) {
        break;
      } else {
        word += ch;
      }
    }
    if (quote !== undefined) throw new Error(`unterminated ${quote} in: ${value}`);
    words.push(word);
  }
  return words;
}

/** `%%` is a literal percent sign; the tests' units use no other specifier, so any other one is refused. */
function expandSpecifiers(value: string, line: number): string {
  return value.replace(/%(.)/g, (_, specifier: string) => {
    if (specifier === "%") return "%";
    throw new Error(`line ${line}: specifier %${specifier} is not supported by this reader`);
  });
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The environment the `[Service]` section's `Environment=` lines give the process (`EnvironmentFile=` is
 * not read), plus each word systemd would ignore.
 *
 * @example
 * const { env, ignored } = serviceEnvironment(readFileSync("x.service", "utf8"));
 */
export function serviceEnvironment(unitText: string): ServiceEnvironment {
  const env: Record<string, string> = {};
  const ignored: ServiceEnvironment["ignored"] = [];
  for (const entry of parseUnitFile(unitText)) {
    if (entry.section !== "Service" || entry.key !== "Environment") continue;
    if (entry.value === "") {
      for (const name of Object.keys(env)) delete env[name];
      continue;
    }
    for (const word of splitWords(expandSpecifiers(entry.value, entry.line))) {
      const equals = word.indexOf("=");
      const name = equals < 0 ? "" : word.slice(0, equals);
      if (!ENV_NAME.test(name)) {
        ignored.push({ line: entry.line, word });
        continue;
      }
      env[name] = word.slice(equals + 1);
    }
  }
  return { env, ignored };
}
