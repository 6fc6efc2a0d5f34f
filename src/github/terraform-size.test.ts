import { describe, expect, it } from 'vitest';
import { setVolumeSize } from './terraform-size.js';

const FILE = `# volumes
resource "hcloud_volume" "logs" {
  name     = "logs"
  size     = 50
  location = "fsn1"
}

resource "hcloud_volume" "data" {
  name      = "data" # keep
  size      = 20     # GB, managed by alertworks
  location  = "fsn1"
  labels = {
    size = "small"
  }
  lifecycle {
    prevent_destroy = true
  }
}

resource "hcloud_volume_attachment" "data" {
  volume_id = hcloud_volume.data.id
}
`;

function changedLines(a: string, b: string): [string, string][] {
  const x = a.split('\n'),
    y = b.split('\n');
  expect(y).toHaveLength(x.length);
  return x.flatMap((line, i) => (line === y[i] ? [] : [[line, y[i] as string] as [string, string]]));
}

describe('setVolumeSize', () => {
  it('changes exactly the size line of the named block', () => {
    const r = setVolumeSize(FILE, 'hcloud_volume.data', 30);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.previousSize).toBe(20);
    expect(r.changed).toBe(true);
    expect(changedLines(FILE, r.text)).toEqual([['  size      = 20     # GB, managed by alertworks', '  size      = 30     # GB, managed by alertworks']]);
  });

  it('edits the other block when asked, and keeps CRLF line endings', () => {
    const crlf = FILE.replace(/\n/g, '\r\n');
    const r = setVolumeSize(crlf, 'hcloud_volume.logs', 60);
    expect(r.ok && r.text).toBe(crlf.replace('size     = 50\r\n', 'size     = 60\r\n'));
  });

  it('reports no change when the size is already right', () => {
    expect(setVolumeSize(FILE, 'hcloud_volume.data', 20)).toMatchObject({ ok: true, changed: false, text: FILE });
  });

  it.each([
    ['hcloud_volume.missing', FILE, 'resource "hcloud_volume" "missing" not found'],
    ['data', FILE, '"data" is not a resource address like hcloud_volume.data'],
    ['hcloud_volume.data', 'resource "hcloud_volume" "data" {\n  name = "d"\n}\n', 'resource "hcloud_volume" "data" has no size attribute'],
    [
      'hcloud_volume.data',
      'resource "hcloud_volume" "data" {\n  size = var.size\n}\n',
      'size of "hcloud_volume" "data" is not a literal number: size = var.size',
    ],
    ['hcloud_volume.data', 'resource "hcloud_volume" "data" {\n  size = 10\n', 'resource "hcloud_volume" "data" has no closing brace'],
    ['hcloud_volume.data', 'resource "hcloud_volume" "data" {\n  size = 10\n  size = 11\n}\n', 'resource "hcloud_volume" "data" sets size twice'],
  ])('%s -> %s', (address, text, reason) => {
    expect(setVolumeSize(text, address, 30)).toEqual({ ok: false, reason });
  });

  it('ignores braces inside strings and comments', () => {
    const text = 'resource "hcloud_volume" "data" {\n  name = "a{b" # }\n  size = 10\n}\n';
    expect(setVolumeSize(text, 'hcloud_volume.data', 12)).toMatchObject({ ok: true, text: text.replace('size = 10', 'size = 12') });
  });
});
