"""``madoguchi card inspect|read|vpcd`` and ``madoguchi card-agent``."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from pathlib import Path

from madoguchi.cli import CommandError

MAX_FILE = 65536


def register(subparsers) -> None:
    card = subparsers.add_parser("card", help="read and check My Number Cards (券面事項入力補助AP)")
    card_sub = card.add_subparsers(dest="card_command", metavar="SUBCOMMAND")
    card.set_defaults(func=lambda args: _help(card))

    p = card_sub.add_parser(
        "inspect", help="decode and check saved EF files (raw bytes as read from the card)"
    )
    p.add_argument("--my-number-file", required=True, metavar="F", help="EF 0001 as read (with filler)")
    p.add_argument("--attributes-file", required=True, metavar="F", help="EF 0002")
    p.add_argument("--integrity-file", metavar="F", help="EF 0003 (digests and signature)")
    p.add_argument("--certificate-file", metavar="F", help="EF 0004 (card-verifiable certificate)")
    _trust_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_inspect)

    p = card_sub.add_parser("read", help="read a card through the protocol code")
    _source_args(p)
    p.add_argument("--pin", help="the 4-digit 券面事項入力補助用暗証番号 (prompted when omitted)")
    p.add_argument("--confirm-last-try", action="store_true", help="allow the attempt when one try is left")
    _trust_args(p)
    p.add_argument(
        "--save-files", metavar="DIR", help="also write the raw EF files there (特定個人情報: protect them)"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_read)

    p = card_sub.add_parser("vpcd", help="connect a virtual card to vsmartcard-vpcd (appears via pcscd)")
    p.add_argument("--virtual", default="demo", metavar="NAME", help="virtual card (default: demo)")
    p.add_argument("--port", type=int, default=35963, help="vpcd port (default 35963)")
    p.set_defaults(func=cmd_vpcd)

    p = subparsers.add_parser("card-agent", help="local card-reading service for the counter page")
    _source_args(p)
    p.add_argument("--token", help="pairing token (or env MADOGUCHI_CARD_AGENT_TOKEN)")
    p.add_argument(
        "--origin",
        help="the server's origin, e.g. https://madoguchi.example.lg.jp (or env MADOGUCHI_CARD_AGENT_ALLOWED_ORIGIN)",
    )
    p.add_argument(
        "--port",
        type=int,
        default=None,
        help="port on 127.0.0.1 (default 8791 or env MADOGUCHI_CARD_AGENT_PORT)",
    )
    _trust_args(p)
    p.set_defaults(func=cmd_agent)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _source_args(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--reader", metavar="NAME", help="PC/SC reader name (or a unique prefix)")
    g.add_argument("--virtual", metavar="NAME", help="a virtual card: demo, long-address, rare-kanji, ...")


def _trust_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--trust",
        metavar="test|production|KEYFILE",
        help="CA key for the signature check: 'production' (MADOGUCHI_CARD_CA_KEY), a key file, "
        "or 'test' (virtual test CA; test-hierarchy keys accepted)",
    )
    p.add_argument(
        "--test-mode", action="store_true", help="accept test-hierarchy keys (ids 6…) with a key file"
    )


def _trust(args, *, virtual: bool):
    from madoguchi.card.builder import virtual_hierarchy
    from madoguchi.card.errors import TrustConfigError
    from madoguchi.card.signature import CA_KEY_ENV, production_store

    choice = args.trust
    try:
        if choice is None:
            if virtual:
                choice = "test"
            elif os.environ.get(CA_KEY_ENV):
                choice = "production"
            else:
                return None
        if choice == "test":
            store = virtual_hierarchy().trust_store()
            if os.environ.get(CA_KEY_ENV):
                store.add_file(os.environ[CA_KEY_ENV])
            return store
        store = production_store(None if choice == "production" else choice)
        store.test_mode = bool(args.test_mode)
        return store
    except TrustConfigError as exc:
        raise CommandError(exc.message) from None


def _read_file(path: str | None, what: str) -> bytes:
    if path is None:
        return b""
    try:
        p = Path(path)
        if p.stat().st_size > MAX_FILE:
            raise CommandError(f"{what} {path}: larger than {MAX_FILE} bytes, not a card file")
        return p.read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {what} {path}: {exc.strerror}") from None


def _print(result: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    labels = [
        ("my_number_masked", "個人番号"),
        ("name", "氏名"),
        ("address", "住所"),
        ("birth_date", "生年月日"),
        ("birth_date_wareki", "和暦"),
        ("sex_label", "性別"),
        ("signature", "署名"),
    ]
    for key, label in labels:
        print(f"{label}: {result.get(key) or ''}")
    if result.get("signature") == "not_checked" and result.get("signature_reason"):
        print(f"署名の理由: {result['signature_reason']}")
    if result.get("test_mode"):
        print("テストモード: test-hierarchy keys accepted")
    for w in result.get("warnings", []):
        print(f"注意: {w}")


def _card_error(exc, as_json: bool) -> CommandError:
    if as_json:
        print(json.dumps(exc.to_dict(), ensure_ascii=False))
    return CommandError(exc.message)


def cmd_inspect(args) -> int:
    from madoguchi.card.errors import CardError
    from madoguchi.card.protocol import CardFiles
    from madoguchi.card.reading import decode

    files = CardFiles(
        my_number=_read_file(args.my_number_file, "EF 0001 file"),
        attributes=_read_file(args.attributes_file, "EF 0002 file"),
        integrity=_read_file(args.integrity_file, "EF 0003 file"),
        certificate=_read_file(args.certificate_file, "EF 0004 file"),
    )
    have_sig = bool(args.integrity_file or args.certificate_file)
    if have_sig and not (args.integrity_file and args.certificate_file):
        raise CommandError("--integrity-file and --certificate-file go together")
    trust = _trust(args, virtual=False) if have_sig or args.trust else None
    try:
        reading = decode(files, trust)
    except CardError as exc:
        raise _card_error(exc, args.json) from None
    except Exception as exc:  # noqa: BLE001 - a bug must not print a traceback that could hold card data
        raise CommandError(f"internal error while decoding ({exc.__class__.__name__})", status=1) from None
    _print(reading.public_dict(), args.json)
    return 0


def _transport(args):
    from madoguchi.card import transport as t
    from madoguchi.card.errors import TransportError

    try:
        if args.virtual:
            return t.create("virtual", {"card": args.virtual})
        return t.create("pcsc", {"reader": args.reader, "wait_seconds": 5})
    except TransportError as exc:
        raise CommandError(exc.message) from None


def _save_files(directory: str, reading, virtual: bool) -> None:
    from madoguchi.card.builder import virtual_hierarchy
    from madoguchi.card.signature import key_file_text

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    f = reading.files
    for name, data in (
        ("ef0001.bin", f.my_number),
        ("ef0002.bin", f.attributes),
        ("ef0003.bin", f.integrity),
        ("ef0004.bin", f.certificate),
    ):
        if data is not None:
            path = out / name
            path.write_bytes(data)
            path.chmod(0o600)
    if virtual:
        h = virtual_hierarchy()
        (out / "test-ca.pem").write_text(
            key_file_text(h.ca.public_key(), h.ca_key_id, "madoguchi virtual test CA (this process only)")
        )


def cmd_read(args) -> int:
    from madoguchi.card.errors import CardError
    from madoguchi.card.reading import read_card

    pin = args.pin
    if pin is None:
        if not sys.stdin.isatty():
            raise CommandError("give --pin (no terminal to ask on)")
        pin = getpass.getpass("暗証番号 (4桁): ")
    transport = _transport(args)
    trust = _trust(args, virtual=bool(args.virtual))
    try:
        with transport.connect() as conn:
            reading = read_card(conn, pin, trust=trust, confirm_last_try=args.confirm_last_try)
    except CardError as exc:
        raise _card_error(exc, args.json) from None
    except Exception as exc:  # noqa: BLE001 - no traceback that could hold card data
        raise CommandError(f"internal error while reading ({exc.__class__.__name__})", status=1) from None
    if args.save_files:
        _save_files(args.save_files, reading, bool(args.virtual))
    _print(reading.public_dict(), args.json)
    return 0


def cmd_vpcd(args) -> int:
    import time

    from madoguchi.card.virtual import PROFILES, VirtualCard
    from madoguchi.card.vpcd import VpcdClient

    if args.virtual not in PROFILES:
        raise CommandError(f"unknown virtual card {args.virtual!r} (known: {', '.join(PROFILES)})")
    try:
        client = VpcdClient(VirtualCard(args.virtual), port=args.port).start(timeout=10)
    except ConnectionError as exc:
        raise CommandError(f"{exc}; is pcscd with vsmartcard-vpcd running?") from None
    print(
        f"virtual card {args.virtual!r} connected to vpcd on 127.0.0.1:{args.port}; Ctrl-C to stop",
        file=sys.stderr,
    )
    try:
        while client.running:
            time.sleep(0.5)
    finally:
        client.stop()
    return 0


def cmd_agent(args) -> int:
    from madoguchi.card.agent import DEFAULT_PORT, AgentConfig, CardAgent, make_server
    from madoguchi.card.errors import CardError

    token = args.token or os.environ.get("MADOGUCHI_CARD_AGENT_TOKEN", "")
    origin = args.origin or os.environ.get("MADOGUCHI_CARD_AGENT_ALLOWED_ORIGIN", "")
    if not origin and os.environ.get("MADOGUCHI_CARD_AGENT_ORIGIN"):
        # The old name meant the server's origin here and the agent's address on the server; it was split.
        raise CommandError(
            "MADOGUCHI_CARD_AGENT_ORIGIN is no longer read: give the server's origin as "
            "MADOGUCHI_CARD_AGENT_ALLOWED_ORIGIN (or --origin); see docs/card-agent.md"
        )
    port = (
        args.port if args.port is not None else int(os.environ.get("MADOGUCHI_CARD_AGENT_PORT", DEFAULT_PORT))
    )
    config = AgentConfig(token=token, origin=origin, port=port)
    problems = config.problems()
    if problems:
        raise CommandError("; ".join(problems))
    transport = _transport(args)
    trust = _trust(args, virtual=bool(args.virtual))
    problems = transport.check_config()
    if problems:
        print("card-agent: warning: " + "; ".join(problems), file=sys.stderr)
    try:
        server = make_server(CardAgent(transport, trust), config)
    except (OSError, CardError) as exc:
        raise CommandError(f"cannot start the agent: {exc}") from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    print(
        f"card-agent: {transport.describe()} on http://127.0.0.1:{config.port} for origin {origin}",
        file=sys.stderr,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
