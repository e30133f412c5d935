/**
 * Offline `kamal config`: prints the config Kamal will see for a config file and destination,
 * merged exactly as Kamal merges deploy.yml and deploy.<destination>.yml.
 *
 *   npm run config -- [-c config/deploy.yml] [-d staging]
 */
import { KamalDeploy } from '../constructs/kamal';
import { stringifyYaml, Testing } from '../src';
import { buildEstate } from '../synth';

function main(argv: string[]): number {
  let file = 'config/deploy.yml';
  let destination: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '-c' || argv[i] === '--config-file') file = argv[++i];
    else if (argv[i] === '-d' || argv[i] === '--destination') destination = argv[++i];
    else {
      process.stderr.write(`usage: npm run config -- [-c config/deploy.yml] [-d DESTINATION]\nunknown argument '${argv[i]}'\n`);
      return 64;
    }
  }
  const app = Testing.app();
  buildEstate(app);
  const config = KamalDeploy.all(app).find((c) => c.file === file);
  if (!config) {
    const files = KamalDeploy.all(app).map((c) => c.file);
    process.stderr.write(`no config ${file} in synth.ts; there are: ${files.join(', ')}\n`);
    return 1;
  }
  const names = config.destinationNames();
  if (destination === undefined && names[0] !== undefined) {
    process.stderr.write(`${file} has destinations (${names.join(', ')}); give one with -d\n`);
    return 1;
  }
  try {
    process.stdout.write(stringifyYaml(config.effectiveConfig(destination), { erb: true }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 1;
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
