/**
 * Which addresses a declared *name* may lead the fetch proxy to: public ones only. Every range at
 * both of its edges and just outside them, and every IPv6 spelling of an IPv4 address.
 */
import { describe, expect, it } from 'vitest';
import { isMetadataAddress, refusalOf } from 'anyllm/internal/host/address-policy.js';

describe('refusalOf', () => {
  it.each<[string, string, string]>([
    ['0.0.0.0', 'unspecified', '0.0.0.0/8'],
    ['0.255.255.255', 'unspecified', '0.0.0.0/8'],
    ['10.0.0.0', 'private', '10.0.0.0/8'],
    ['10.255.255.255', 'private', '10.0.0.0/8'],
    ['100.64.0.0', 'private', '100.64.0.0/10'],
    ['100.127.255.255', 'private', '100.64.0.0/10'],
    ['100.100.100.200', 'cloud metadata', '100.100.100.200/32'],
    ['127.0.0.1', 'loopback', '127.0.0.0/8'],
    ['127.255.255.255', 'loopback', '127.0.0.0/8'],
    ['169.254.0.0', 'link-local', '169.254.0.0/16'],
    ['169.254.255.255', 'link-local', '169.254.0.0/16'],
    ['169.254.169.253', 'link-local', '169.254.0.0/16'],
    ['169.254.169.254', 'cloud metadata', '169.254.169.254/32'],
    ['169.254.170.2', 'cloud metadata', '169.254.170.2/32'],
    ['172.16.0.0', 'private', '172.16.0.0/12'],
    ['172.31.255.255', 'private', '172.16.0.0/12'],
    ['192.0.0.8', 'reserved', '192.0.0.0/24'],
    ['192.0.2.1', 'reserved', '192.0.2.0/24'],
    ['192.168.0.0', 'private', '192.168.0.0/16'],
    ['192.168.255.255', 'private', '192.168.0.0/16'],
    ['198.18.0.0', 'reserved', '198.18.0.0/15'],
    ['198.19.255.255', 'reserved', '198.18.0.0/15'],
    ['198.51.100.7', 'reserved', '198.51.100.0/24'],
    ['203.0.113.9', 'reserved', '203.0.113.0/24'],
    ['224.0.0.1', 'multicast', '224.0.0.0/4'],
    ['239.255.255.255', 'multicast', '224.0.0.0/4'],
    ['240.0.0.0', 'reserved', '240.0.0.0/4'],
    ['255.255.255.254', 'reserved', '240.0.0.0/4'],
    ['255.255.255.255', 'broadcast', '255.255.255.255/32'],
  ])('refuses the IPv4 address %s as %s (%s)', (address, kind, range) => {
    expect(refusalOf(address)).toEqual({ kind, range });
  });

  it.each([
    '1.0.0.0', '8.8.8.8', '9.255.255.255', '11.0.0.0', '100.63.255.255', '100.128.0.0', '126.255.255.255', '128.0.0.0',
    '169.253.255.255', '169.255.0.0', '172.15.255.255', '172.32.0.0', '192.0.1.0', '192.0.3.0', '192.167.255.255', '192.169.0.0',
    '198.17.255.255', '198.20.0.0', '198.51.99.255', '203.0.112.255', '223.255.255.255',
  ])('lets the public IPv4 address %s through', (address) => {
    expect(refusalOf(address)).toBeUndefined();
  });

  it.each<[string, string, string]>([
    ['::', 'unspecified', '::/128'],
    ['::1', 'loopback', '::1/128'],
    ['0:0:0:0:0:0:0:1', 'loopback', '::1/128'],
    ['::ffff:127.0.0.1', 'loopback', '127.0.0.0/8'],
    ['::ffff:7f00:1', 'loopback', '127.0.0.0/8'],
    ['::FFFF:7F00:1', 'loopback', '127.0.0.0/8'],
    ['::ffff:169.254.169.254', 'cloud metadata', '169.254.169.254/32'],
    ['::ffff:a9fe:a9fe', 'cloud metadata', '169.254.169.254/32'],
    ['::ffff:10.1.2.3', 'private', '10.0.0.0/8'],
    ['::ffff:0.0.0.0', 'unspecified', '0.0.0.0/8'],
    ['::127.0.0.1', 'loopback', '127.0.0.0/8'],
    ['::192.168.1.1', 'private', '192.168.0.0/16'],
    ['::0.0.0.2', 'unspecified', '0.0.0.0/8'],
    ['64:ff9b::127.0.0.1', 'loopback', '127.0.0.0/8'],
    ['64:ff9b::a9fe:a9fe', 'cloud metadata', '169.254.169.254/32'],
    ['64:ff9b:1::1', 'private', '64:ff9b:1::/48'],
    ['2002:7f00:1::', 'loopback', '127.0.0.0/8'],
    ['2002:a9fe:a9fe::1', 'cloud metadata', '169.254.169.254/32'],
    ['2002:c0a8:101::', 'private', '192.168.0.0/16'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved', '2001::/32'],
    ['2001:db8::1', 'reserved', '2001:db8::/32'],
    ['100::1', 'reserved', '100::/64'],
    ['fd00:ec2::254', 'cloud metadata', 'fd00:ec2::254/128'],
    ['fd00:ec2:0:0:0:0:0:254', 'cloud metadata', 'fd00:ec2::254/128'],
    ['fd00:ec2::253', 'private', 'fc00::/7'],
    ['fd00:ec3::254', 'private', 'fc00::/7'],
    ['fd01:ec2::254', 'private', 'fc00::/7'],
    ['fd00:ec2:0:1::254', 'private', 'fc00::/7'],
    ['fc00::', 'private', 'fc00::/7'],
    ['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'private', 'fc00::/7'],
    ['fe80::1', 'link-local', 'fe80::/10'],
    ['fe80::1%eth0', 'link-local', 'fe80::/10'],
    ['febf:ffff::', 'link-local', 'fe80::/10'],
    ['fec0::1', 'private', 'fec0::/10'],
    ['feff::1', 'private', 'fec0::/10'],
    ['ff00::', 'multicast', 'ff00::/8'],
    ['ff02::1', 'multicast', 'ff00::/8'],
  ])('refuses the IPv6 address %s as %s (%s)', (address, kind, range) => {
    expect(refusalOf(address)).toEqual({ kind, range });
  });

  it.each([
    '2606:4700:4700::1111', '2001:4860:4860::8888', '::ffff:8.8.8.8', '::ffff:808:808', '::8.8.8.8', '64:ff9b::8.8.8.8', '64:ff9b:2::1',
    '2002:808:808::1', '2001:1::1', '2001:db9::1', '100:0:0:1::', '101::1', 'fbff:ffff::1', 'fe7f::1',
    '::2:0:0', '1::',
  ])('lets the public IPv6 address %s through', (address) => {
    expect(refusalOf(address)).toBeUndefined();
  });

  it('refuses what is not an IP address at all (a name cannot be connected to unchecked)', () => {
    expect(refusalOf('localhost')).toEqual({ kind: 'reserved', range: 'not an IP address' });
    expect(refusalOf('')).toEqual({ kind: 'reserved', range: 'not an IP address' });
    expect(refusalOf('[::1]')).toEqual({ kind: 'reserved', range: 'not an IP address' });
  });
});

describe('isMetadataAddress', () => {
  it.each(['169.254.169.254', '::ffff:169.254.169.254', '64:ff9b::a9fe:a9fe', 'fd00:ec2::254', '100.100.100.200', '169.254.170.2'])(
    'knows %s',
    (address) => expect(isMetadataAddress(address)).toBe(true),
  );

  it.each(['169.254.169.253', '127.0.0.1', '8.8.8.8', 'fd00:ec2::253'])('does not count %s', (address) => {
    expect(isMetadataAddress(address)).toBe(false);
  });
});
