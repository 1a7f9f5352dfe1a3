/**
 * TLS for every listener, with certificates that can be rotated without a restart. A CertReloader
 * reads a certificate chain, its key and optionally a client CA (mutual TLS), hands out the server
 * options, and watches the files: when they change (new content, by rewrite or by rename), the new
 * pair is checked (`createSecureContext` fails on a key that does not match) and swapped into every
 * attached server with `setSecureContext`; connections open from then on get the new certificate,
 * open ones keep theirs. A half-written rotation (new cert, old key) is not applied: the old
 * context stays until the files agree. Used by the API (HTTPS), syslog over TLS, and for the OTLP
 * listeners (`attach` any https/http2/tls server).
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions, type TlsOptions } from 'node:tls';
import type { Logger } from '../telemetry/log.js';

export interface TlsFiles {
  /** Certificate chain, PEM file. */
  cert: string;
  /** Its private key, PEM file. */
  key: string;
  /** CA certificates (PEM file) client certificates must chain to (mutual TLS). */
  client_ca?: string | undefined;
  /** Refuse clients without a certificate signed by `client_ca`. */
  require_client_cert?: boolean | undefined;
}

/** Anything whose certificate can be swapped: https.Server, http2 secure server, tls.Server. */
export interface SecureServer {
  setSecureContext(options: SecureContextOptions): void;
}

export class TlsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlsConfigError';
  }
}

interface Material {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  digest: string;
}

function readMaterial(files: TlsFiles): Material {
  const read = (what: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new TlsConfigError(`TLS ${what} ${path}: ${(error as Error).message}`);
    }
  };
  const cert = read('certificate', files.cert);
  const key = read('key', files.key);
  const ca = files.client_ca ? read('client CA', files.client_ca) : undefined;
  try {
    createSecureContext({ cert, key, ...(ca ? { ca } : {}) });
  } catch (error) {
    throw new TlsConfigError(
      `TLS certificate ${files.cert} with key ${files.key}: ${(error as Error).message}`,
    );
  }
  const digest = createHash('sha256')
    .update(cert)
    .update('\0')
    .update(key)
    .update('\0')
    .update(ca ?? '')
    .digest('hex');
  return { cert, key, ...(ca ? { ca } : {}), digest };
}

export interface ReloaderOptions {
  log?: Logger;
  /** How often the files are checked (ms); 0: only on `reload()`. Default 5 s. */
  intervalMs?: number;
  /** Name for logs (`api`, `syslog`). */
  name?: string;
}

export class CertReloader {
  private material: Material;
  private readonly servers = new Set<SecureServer>();
  private timer: NodeJS.Timeout | undefined;
  private lastStat = '';
  /** How many times a new certificate was applied. */
  reloads = 0;

  /** Reads and checks the files now; throws TlsConfigError naming the file and the reason. */
  constructor(
    readonly files: TlsFiles,
    private readonly options: ReloaderOptions = {},
  ) {
    if (files.require_client_cert && !files.client_ca)
      throw new TlsConfigError('require_client_cert needs client_ca (the CA that signs client certificates)');
    this.lastStat = this.statSignature();
    this.material = readMaterial(files);
    const interval = options.intervalMs ?? 5000;
    if (interval > 0) {
      this.timer = setInterval(() => this.poll(), interval);
      this.timer.unref();
    }
  }

  /** Options to create a server with (the current certificate, and the client CA settings). */
  serverOptions(): TlsOptions {
    const { cert, key, ca } = this.material;
    const mutual = Boolean(this.files.client_ca);
    return {
      cert,
      key,
      ...(ca ? { ca } : {}),
      requestCert: mutual,
      rejectUnauthorized: Boolean(this.files.require_client_cert),
    };
  }

  /** Swap certificates of this server too from now on. */
  attach(server: SecureServer): void {
    this.servers.add(server);
  }

  detach(server: SecureServer): void {
    this.servers.delete(server);
  }

  private statSignature(): string {
    return [this.files.cert, this.files.key, this.files.client_ca]
      .map((path) => {
        if (!path) return '-';
        try {
          const s = statSync(path);
          return `${s.ino}:${s.size}:${s.mtimeMs}`;
        } catch {
          return 'missing';
        }
      })
      .join('|');
  }

  private poll(): void {
    const signature = this.statSignature();
    if (signature === this.lastStat) return;
    // Remembered only once applied (or unchanged): a half-written rotation is retried next tick.
    if (this.reload()) this.lastStat = signature;
  }

  /**
   * Re-read the files now (SIGHUP, or the poll). Returns true when they are valid (applied if they
   * changed), false when they are not (the current certificate stays, and the reason is logged).
   */
  reload(): boolean {
    let next: Material;
    try {
      next = readMaterial(this.files);
    } catch (error) {
      this.options.log?.warn(
        { tls: this.options.name, err: (error as Error).message },
        'TLS files not reloaded; the current certificate stays',
      );
      return false;
    }
    if (next.digest === this.material.digest) return true;
    this.material = next;
    const { cert, key, ca } = next;
    for (const server of this.servers) server.setSecureContext({ cert, key, ...(ca ? { ca } : {}) });
    this.reloads++;
    this.options.log?.info({ tls: this.options.name, cert: this.files.cert }, 'TLS certificate reloaded');
    return true;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.servers.clear();
  }
}
