import ansis from 'ansis'

/** Width of a cell as the terminal shows it (colour codes take no room). */
const visibleLength = (text: string): number => ansis.strip(text).length

/** A plain aligned table: a bold header row and columns padded to their widest cell. */
export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))))
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i] - visibleLength(cell))))
      .join('  ')
      .trimEnd()
  return [line(headers.map((h) => ansis.bold(h))), ...rows.map(line)].join('\n')
}
