/**
 * ERB fragments for files that Kamal renders with ERB before reading them as YAML. They are plain
 * strings in the model; a YamlFile with `erb: true` single-quotes them, so whatever ERB puts in
 * their place (an IP address, a host name) is read back as that string.
 */
export class Erb {
  /** `<%= ENV["NAME"] %>`: the environment variable at deploy time (empty when unset). */
  public static env(name: string): string {
    assertEnvName(name);
    return `<%= ENV["${name}"] %>`;
  }

  /** `<%= ENV.fetch("NAME") %>`: the environment variable, and a deploy-time error when unset. */
  public static fetchEnv(name: string): string {
    assertEnvName(name);
    return `<%= ENV.fetch("${name}") %>`;
  }

  /** Whether a string holds an ERB tag. */
  public static isErb(s: unknown): s is string {
    return typeof s === 'string' && s.includes('<%');
  }

  /** The environment variables a string's ERB tags read, in order of appearance. */
  public static envNames(s: string): string[] {
    return [...s.matchAll(/ENV(?:\.fetch\(|\[)"([A-Za-z_][A-Za-z0-9_]*)"/g)].map((m) => m[1]);
  }

  /** What Kamal would make of `s` with the given environment: each ENV tag replaced by its value. */
  public static render(s: string, env: Readonly<Record<string, string>>): string {
    return s.replace(/<%=\s*ENV(?:\.fetch\(|\[)"([A-Za-z_][A-Za-z0-9_]*)"[\])]\s*%>/g, (_m, name: string) => env[name] ?? '');
  }
}

function assertEnvName(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new Error(`'${name}' is not an environment variable name; use letters, digits and '_'`);
  }
}
