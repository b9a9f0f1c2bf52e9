"""Error pages in the counter's language, never a stack trace."""

import sys

from django.db import OperationalError
from django.http import JsonResponse
from django.shortcuts import render

BUSY_TITLE = "ただいま混み合っています"
BUSY_MESSAGE = (
    "データベースが他の処理（住基の取り込みなど）で使用中です。少し待ってから、もう一度お試しください。"
)


def _page(request, status: int, title: str, message: str):
    return render(
        request, "error.html", {"status": status, "title": title, "message": message}, status=status
    )


def bad_request(request, exception=None):
    return _page(request, 400, "リクエストが正しくありません", "入力内容を確認して、もう一度お試しください。")


def permission_denied(request, exception=None):
    return _page(
        request, 403, "この操作の権限がありません", "権限が必要な場合は管理者にお問い合わせください。"
    )


def not_found(request, exception=None):
    return _page(request, 404, "ページが見つかりません", "案件番号やアドレスを確認してください。")


def database_busy(exc: BaseException | None) -> bool:
    """SQLite's 「database is locked」 (another process writes): the request may simply be tried again."""
    return isinstance(exc, OperationalError) and "locked" in str(exc).lower()


def busy(request):
    if request.path.startswith("/api/"):
        response = JsonResponse({"error": "busy", "message": BUSY_MESSAGE}, status=503)
    else:
        try:
            response = _page(request, 503, BUSY_TITLE, BUSY_MESSAGE)
        except Exception:  # the page's own reads may meet the same lock: a plain text answer then
            from django.http import HttpResponse

            response = HttpResponse(
                f"{BUSY_TITLE}。{BUSY_MESSAGE}", status=503, content_type="text/plain; charset=utf-8"
            )
    response["Retry-After"] = "5"
    return response


def server_error(request):
    # Django calls this handler inside its ``except`` block: the exception that ended the request is current.
    if database_busy(sys.exc_info()[1]):
        return busy(request)
    return _page(
        request,
        500,
        "システムエラー",
        "申し訳ありません。処理を完了できませんでした。管理者に連絡してください。",
    )
