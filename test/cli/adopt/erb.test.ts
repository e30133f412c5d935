import { spawnSync } from 'child_process';
import { renderErb, withDoubleQuotedLiterals } from '../../../cli/adopt/erb';
import { checkAsKamal } from '../../../cli/adopt/kamal-check';
import { parsePsych } from '../../../cli/adopt/psych';

test('ERB renders the ENV forms real configs use, with the process environment', () => {
  // GIVEN
  const env = { HOST: 'h.example.com', PORT: '8080' };
  const template = [
    'a: <%= ENV["HOST"] %>',
    "b: <%= ENV['MISSING'] %>",
    'c: <%= ENV.fetch("PORT").to_i %>',
    'd: <%= ENV.fetch("NOPE", "dflt") %>',
    'e: <%= ENV.fetch("NOPE") { "blk" } %>',
    'f: <%= ENV["NOPE"] || "or" %>',
    'g: <%= "lit".to_s %>',
    'h: <%%= kept %>',
  ].join('\n');

  // WHEN
  const r = renderErb(template, { env });

  // THEN
  expect(r.text.split('\n')).toEqual(['a: h.example.com', 'b: ', 'c: 8080', 'd: dflt', 'e: blk', 'f: or', 'g: lit', 'h: <%= kept %>']);
  expect(r.warnings).toEqual([]);
});

test('-%> drops the newline after a tag and <%- the indentation before it', () => {
  // WHEN
  const r = renderErb('a:\n  <%- if true -%>\n  b: 1\n', { env: {} });

  // THEN
  expect(r.text).toBe('a:\n  b: 1\n');
  expect(r.warnings.map((w) => w.line)).toEqual([2]);
});

test('ENV.fetch without a default of an unset variable raises as in Kamal; unknown Ruby is opaque with a warning; both name the line', () => {
  // WHEN
  const r = renderErb('a: 1\nb: <%= ENV.fetch("UNSET") %>\nc: <%= `whoami` %>\n', { env: {} });

  // THEN
  expect(r.text).toBe(`a: 1\nb: ${r.opaque[0].placeholder}\nc: ${r.opaque[1].placeholder}\n`);
  expect(r.errors).toEqual([{ line: 2, message: 'key not found: "UNSET" (ENV.fetch without a default; UNSET is not set here)' }]);
  expect(r.warnings).toEqual([
    { line: 3, message: "ERB <%= `whoami` %> can't be evaluated here (unsupported Ruby at '`whoami`'); its value is unknown to every check" },
  ]);
});

test('an opaque tag that reads a name a code tag defines says which: import can keep the tag but not the code', () => {
  // GIVEN: what code tags define (locals, ||=, several at once, a block parameter, destructured
  // ones, for, a constant, an instance variable, a method), and tags that read them or only seem to
  const template = [
    '<% host = ENV.fetch("HOST") %>',
    '<% slug ||= "sandbox"; a, b = 1, 2 %>',
    '<% %w[x y].each do |item| %><% end %>',
    '<% [["10.0.0.1", "web"]].each do |(ip, role)| %><% end %>',
    '<% for region in ["eu"] do %><% end %>',
    '<% REGION = "eu"; @zone = "z1" %>',
    '<% def stage; "prod"; end %>',
    'k1: <%= host %>',
    'k2: <%= "app-#{slug}".upcase %>',
    'k3: <%= [a, b].join %>',
    'k4: <%= item.to_s.strip %>',
    'k5: <%= ip.strip + role %>',
    'k6: <%= region.upcase %>',
    'k7: <%= REGION.downcase + @zone.to_s %>',
    'k8: <%= stage.upcase %>',
    'k9: <%= config.host %>',
    'k10: <%= "host" + `hostname`.strip %>',
    'k11: <%= "#{ENV.fetch("USER", "u")}".upcase + "-host" %>',
    'k12: <%= %w[x y].map { |host| host.upcase }.join(",") %>',
    'k13: <%= { host: 1 }[:host] %>',
    '<% port = 5432; n = 2; first, *rest = %w[a b c]; begin; rescue => err; end %>',
    'k15: <%= "%s:%d" % [host, port] %>',
    'k16: <%= (1..n).to_a.join(",") %>',
    'k17: <%= first + rest.join %>',
    'k18: <%= err.to_s %>',
    'k19: <%= "a#b".sub(/#.*/, "") + host %>',
    'k20: <%= "a".tr(?", "x") + slug %>',
    'k21: <%= [1].map { |y| item }.join + [2].map { |item| item }.join %>',
    'k22: <%= "x".sub(/host/, "y") %>',
  ].join('\n');

  // WHEN
  const r = renderErb(template, { env: { HOST: 'h' } });

  // THEN
  expect(Object.fromEntries(r.opaque.map((o) => [o.line, o.readsLocals]))).toEqual({
    8: ['host'],
    9: ['slug'],
    10: ['a', 'b'],
    11: ['item'],
    12: ['ip', 'role'],
    13: ['region'],
    14: ['REGION', '@zone'],
    15: ['stage'],
    16: [],
    17: [],
    18: [],
    19: [],
    20: [],
    22: ['host', 'port'],
    23: ['n'],
    24: ['first', 'rest'],
    25: ['err'],
    26: ['host'],
    27: ['slug'],
    28: ['item'],
    29: [],
  });
});

test('the scan of code tags takes time in proportion to their length (a long blank run after a name used to backtrack cubically)', () => {
  // GIVEN: a code tag with a name, then 5,000 blanks of indentation and comments, then an output tag
  const template = `<%\n  region = "eu" if false\n${'  # retired = 1\n'.repeat(2500)}%>\nk: <%= region.upcase %>\n`;

  // WHEN: (a cubic scan would not end within the test's time)
  const r = renderErb(template, { env: {} });

  // THEN
  expect(r.opaque.map((o) => o.readsLocals)).toEqual([['region']]);
});

test("single-quoted strings of a tag are written double-quoted only where Ruby (and the shell) read them the same (real Ruby)", () => {
  // GIVEN: literals that can be rewritten, and ones that can't (an escape, a double quote, interpolation, $ for the shell)
  const tags = [
    "<%= ENV.fetch('A', 'x y') %>",
    "<%= File.basename('/srv/app.rb', '.rb') %>",
    "<%= `printf '%s-%s' a b` %>",
    "<%= 'a' 'b' %>",
    // kept as written: an escape, a double quote, interpolation, $ for the shell, a %-literal,
    // a regex, a character literal, shell double quotes
    "<%= 'it\\'s' %>",
    "<%= 'say \"hi\"' %>",
    "<%= '#{1 + 1}' %>",
    "<%= `printf '%s' '$HOME'` %>",
    "<%= %x(printf '%s' 'a b') %>",
    "<%= %q{'quoted'} %>",
    "<%= \"KEY='abc'\"[/KEY='(.*)'/, 1] %>",
    "<%= [?', 'x'].join %>",
    "<%= `echo \"a 'b' c\"`.strip %>",
  ];

  // WHEN
  const rewritten = tags.map(withDoubleQuotedLiterals);
  const script = 'require "erb"; require "json"; puts JSON.generate(JSON.parse($stdin.read).map { |t| ERB.new(t).result })';
  const run = (list: string[]) => {
    const r = spawnSync('ruby', ['-e', script], { input: JSON.stringify(list), encoding: 'utf8', env: { ...process.env, HOME: '/home/x' } });
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as string[];
  };

  // THEN: the rewritable ones lost their single quotes, the others kept them, and Ruby prints the same for every one
  expect(rewritten.slice(0, 4).filter((t) => t.includes("'"))).toEqual([]);
  expect(rewritten.slice(4)).toEqual(tags.slice(4));
  expect(run(rewritten)).toEqual(run(tags));
});

test('keepEnv leaves environment references as placeholders with their canonical tag', () => {
  // WHEN
  const r = renderErb("a: <%= ENV['X'] %>\nb: <%= ENV.fetch('Y', 'd') %>\n", { env: { X: '1' }, keepEnv: true });

  // THEN
  expect(r.envTags.map((t) => t.tag)).toEqual(['<%= ENV["X"] %>', '<%= ENV.fetch("Y", "d") %>']);
  expect(r.text).toBe(`a: ${r.envTags[0].placeholder}\nb: ${r.envTags[1].placeholder}\n`);
});

test('YAML is read as Psych reads it: 1.1 scalars, merge keys, the last of repeated keys, node lines', () => {
  // WHEN
  const d = parsePsych('x: &a\n  k: 1\ny:\n  <<: *a\n  z: yes\nmode: 0600\nr: 1\nr: 2\n');

  // THEN
  expect(d.value).toEqual({ x: { k: 1 }, y: { k: 1, z: true }, mode: 384, r: 2 });
  expect(d.lineOf('/y/z')).toBe(5);
  expect(d.lineOf('/y/k')).toBe(2);
  expect(d.lineOf('/y/nothing')).toBe(3);
});

test("plain scalars are Psych 4's, where it reads them otherwise than YAML 1.1 (checked against Ruby 3.1's Psych 4.0.3 on real configs)", () => {
  // WHEN
  const d = parsePsych(
    ['dot: .', 'minus: -.', 'plus: +.', 'thousand: 1,000', 'exp: 1e3', 'nine: 09', 'double: 1__0', 'time: 1:20', 'clock: 1:20:30',
      'octal: 017', 'hex: 0x1f', 'bin: 0b101', 'float: 1.0e+3', 'under: 1_000', 'y: y', 'on: on', 'inf: -.inf'].join('\n'),
  );

  // THEN: Psych's scalar_scanner: a float needs a dot, `.` alone is text, base 60 weighs the first of two fields 3600
  expect(d.value).toEqual({
    dot: '.', minus: '-.', plus: '+.', thousand: 1000, exp: '1e3', nine: '09', double: '1__0', time: 4800, clock: 4830,
    octal: 15, hex: 31, bin: 5, float: 1000, under: 1000, y: 'y', true: true, inf: -Infinity,
  });
});

test("Kamal's order inside a section: a hash's unknown keys when the walk enters it, values in file order, the validator's own rules after its walk", () => {
  // GIVEN
  const doc = parsePsych([
    'service: app', 'image: acme/app', 'registry: { username: u, password: p }', 'builder: { arch: amd64 }',
    'servers:',
    '  web:',
    '    hosts: [10.0.0.1]',
    '    labels: { role: x }',
    '    cmd: [not, a, string]',
    '    proxy: { bogus: 1 }',
    '  app:',
    '    hosts: [10.0.0.2]',
    '    options: { restart: sometimes }',
  ].join('\n')).value;

  // WHEN
  const problems = checkAsKamal(doc).map((p) => p.message);

  // THEN
  expect(problems).toEqual([
    'servers/app/options/restart: should be no, always, unless-stopped, on-failure, or on-failure:N',
    'servers/web/cmd: should be a string',
    'servers/web/proxy: unknown key: bogus',
    'servers/web/labels/role: invalid label. destination, role, and service are reserved labels',
  ]);
});
