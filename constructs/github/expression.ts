/**
 * GitHub Actions expressions that the model writes (`${{ secrets.NAME }}`), and the few facts
 * about them that checks need. Values never appear: a secret is referenced by name only.
 */
export class Expression {
  /** `${{ secrets.NAME }}`: a repository, organisation or environment secret, resolved by the runner. */
  public static secret(name: string): string {
    const why = Expression.secretNameProblem(name);
    if (why) throw new Error(`'${name}' can't be a GitHub secret name: ${why}`);
    return `\${{ secrets.${name} }}`;
  }

  /**
   * Why GitHub would refuse `name` as a secret name, or undefined: letters, digits and `_` only,
   * not starting with a digit, and not starting with `GITHUB_` (in any case: names are not
   * case-sensitive).
   */
  public static secretNameProblem(name: string): string | undefined {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return "use letters, digits and '_', not starting with a digit";
    if (/^github_/i.test(name)) return 'names starting with GITHUB_ are reserved by GitHub';
    return undefined;
  }

  /** The secrets a string's expressions read (`secrets.NAME`, `secrets['NAME']`), in order of appearance. */
  public static secretsIn(s: string): string[] {
    const out: string[] = [];
    for (const expr of s.match(/\$\{\{[\s\S]*?\}\}/g) ?? []) {
      for (const m of expr.matchAll(/\bsecrets(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*'([A-Za-z_][A-Za-z0-9_]*)'\s*\])/g)) out.push(m[1] ?? m[2]);
    }
    return out;
  }

  /** Whether `s` is exactly one `${{ secrets.X }}` reference: a value that can only come from GitHub's secret store. */
  public static isSecretReference(s: unknown): s is string {
    return typeof s === 'string' && /^\$\{\{\s*secrets\.[A-Za-z_][A-Za-z0-9_]*\s*\}\}$/.test(s);
  }
}
