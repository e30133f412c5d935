/**
 * The estate's own out/ is a real Kamal repository (three config families, destinations, ERB,
 * accessories with files, two secrets paths): validate accepts it as Kamal would, and import
 * reproduces every merged config (proved in-process by planImport).
 */
import * as path from 'path';
import { planImport } from '../../../cli/adopt/importer';
import { validateRepository } from '../../../cli/validate';

const OUT = path.resolve(__dirname, '..', '..', '..', 'out');
const ENV = {};

test("validate finds the estate's own config families and destinations, and no error", () => {
  // WHEN
  const report = validateRepository({ root: OUT, env: ENV });

  // THEN
  expect(report.families.map((f) => [f.file, f.destinations])).toEqual([
    ['config/deploy.observability.yml', []],
    ['config/deploy.registry.yml', []],
    ['config/deploy.yml', ['production', 'staging']],
  ]);
  expect(report.findings.filter((f) => f.severity === 'error')).toEqual([]);
});

test("import reproduces every merged config of the estate's own out/", () => {
  // WHEN
  const result = planImport(OUT, ENV);

  // THEN
  expect(result.errors).toEqual([]);
  expect(result.targets.map((t) => `${t.file} ${t.destination ?? ''}`.trim())).toEqual([
    'config/deploy.observability.yml',
    'config/deploy.registry.yml',
    'config/deploy.yml production',
    'config/deploy.yml staging',
  ]);
});
