/** The command-line surface of `validate` and `import`: their flags and help. */

export const ADOPT_FLAGS = {
  validate: {
    root: { type: 'string' },
    'config-file': { type: 'string', short: 'c' },
    destination: { type: 'string', short: 'd' },
  },
  import: {
    root: { type: 'string' },
    out: { type: 'string' },
  },
} as const;

export const VALIDATE_HELP = `usage: kamal-cdk validate [--root DIR] [-c FILE] [-d DEST]

check an existing Kamal repository as Kamal 2.12 loads it (ERB, YAML, destination merge, its
validator), printing every problem as file:line: message, the one Kamal raises first first.
Without -c: every config under config/ (deploy*.yml) with each of its destinations, the base
alone, and the secrets each uses against the .kamal/secrets* files.

  --root DIR               the app repository (default: the current folder)
  -c, --config-file FILE   check exactly what 'kamal -c FILE' loads (relative to the root)
  -d, --destination DEST   with -c: what 'kamal -c FILE -d DEST' loads
  -h, --help               this help

ERB reads the environment of this process. exit codes: 0 valid (warnings allowed), 1 invalid, 64 usage`;

export const IMPORT_HELP = `usage: kamal-cdk import [--root DIR] [--out DIR]

turn an existing Kamal repository into a kamal-cdk project: kamal-cdk.json and synth.ts, whose
synth writes the same config and secrets files, merging to the same configs for every destination.
Fails with validate's problems (exit 1) when a config that would run is invalid. Never overwrites
a file.

  --root DIR   the app repository (default: the current folder)
  --out DIR    where to write the project (default: the current folder)
  -h, --help   this help

exit codes: 0 written, 1 invalid repository or a file exists, 64 usage`;
