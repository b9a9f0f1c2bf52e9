"""Error pages in the counter's language, never a stack trace."""

from django.shortcuts import render


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


def server_error(request):
    return _page(
        request,
        500,
        "システムエラー",
        "申し訳ありません。処理を完了できませんでした。管理者に連絡してください。",
    )
