"""What every public page shares: language, number formatting, security headers, error pages
and the chart library served from the portal itself."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from babel import Locale, numbers
from flask import Blueprint, Flask, Response, current_app, g, render_template, request
from flask_babel import Babel, get_locale, gettext
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException, InternalServerError, NotFound

from portal.queries.errors import QueryError
from portal.views import words

LANGUAGES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
LANG_COOKIE = "lang"
PAGE_BLUEPRINTS = ("pages", "explore", "payments", "apidocs", "kazakhstan", "embed", "share")
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # plotly.js sets style attributes and writes a stylesheet of its own at run time.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Babel has no symbol for the tenge outside Kazakh; everyone in Kazakhstan writes ₸.
SYMBOLS = {"KZT": "₸"}


def select_locale() -> str:
    """?lang= first, then the cookie, then the browser's Accept-Language, else English."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGUAGES:
        return cookie
    return request.accept_languages.best_match(list(LANGUAGES), default="en") or "en"


def lang() -> str:
    return str(get_locale() or "en")


def security_headers(response: Response) -> Response:
    """Headers for the HTML pages (the API sets its own)."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    asked = request.args.get("lang")
    if asked in LANGUAGES and request.cookies.get(LANG_COOKIE) != asked:
        response.set_cookie(
            LANG_COOKIE,
            asked,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=request.is_secure,
        )
    if "lang" in g:  # the page depends on the language chosen
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response


def is_api() -> bool:
    return request.path.startswith("/api/")


def secure(bp: Blueprint) -> Blueprint:
    """Give a page blueprint the security headers and its error pages."""
    bp.after_request(security_headers)
    bp.register_error_handler(QueryError, query_error)
    return bp


def query_error(error: QueryError) -> tuple[str, int]:
    return error_page(error.status, error.message)


def error_page(status: int, message: str = "") -> tuple[str, int]:
    titles = {
        400: gettext("This address asks for something we cannot show"),
        404: gettext("Page not found"),
        500: gettext("Something went wrong on our side"),
    }
    title = titles.get(status) or gettext("Error %(status)s", status=status)
    return render_template("error.html", status=status, title=title, message=message), status


def http_error(error: HTTPException) -> Any:
    """App-level errors: the API's own JSON for /api/ paths, a page in the language otherwise."""
    if is_api():
        from portal.views.api import error_response

        return error_response(error.code or 500, error.description or error.name)
    status = error.code or 500
    return error_page(status, "" if status == 404 else error.description or "")


def unexpected_error(error: Exception) -> Any:
    if isinstance(error, HTTPException):
        return http_error(error)
    if isinstance(error, DataError):
        # A number in the address beyond what the database column holds: no such record.
        return http_error(NotFound())
    current_app.logger.exception("unexpected error")
    if is_api():
        from portal.views.api import error_response

        return error_response(500, "internal error; it has been logged")
    return http_error(InternalServerError())


def format_money(
    amount: Decimal | int | None,
    currency: str | None,
    compact: bool = False,
    unit: str = "money",
    whole: bool | None = None,
    digits: int = 1,
) -> str:
    """An amount in the page's language: `1,2 млрд ₸`, `$1.2B`, `1 234 567,50 ₪`.

    A whole amount is shown without minor units unless `whole` is False (a column where
    other amounts have cents keeps them on every line, so the figures line up). `digits` is
    the number of decimals of a compact amount (`21,55 трлн ₸` with 2)."""
    if amount is None:
        return "–"
    locale = lang()
    if unit != "money" or not currency:
        text = (
            numbers.format_compact_decimal(amount, locale=locale, fraction_digits=digits)
            if compact
            else numbers.format_decimal(amount, locale=locale)
        )
        return f"{text} {unit}" if unit != "money" else text
    if compact:
        text = numbers.format_compact_currency(
            amount, currency, locale=locale, fraction_digits=digits
        )
    elif whole is not False and Decimal(amount) == Decimal(amount).to_integral_value():
        # Whole amounts (most budgets) without a row of ".00" on every line.
        pattern = Locale.parse(locale).currency_formats["standard"].pattern
        text = numbers.format_currency(
            amount,
            currency,
            locale=locale,
            currency_digits=False,
            format=re.sub(r"[.,]0+", "", pattern.split(";")[0]),
        )
    else:
        text = numbers.format_currency(amount, currency, locale=locale)
    symbol = SYMBOLS.get(currency)
    if symbol:
        return text.replace(currency, symbol)
    # A currency without a symbol is written as its code: keep it apart from the digits.
    return re.sub(rf"{currency}(?=[-\d])", currency + "\u00a0", text)


def format_number(value: Decimal | int | None) -> str:
    return "–" if value is None else numbers.format_decimal(value, locale=lang())


def format_percent(value: Decimal | float | None) -> str:
    if value is None:
        return "–"
    return numbers.format_percent(value, locale=lang(), format="#,##0.0%")


def http_url(url: str | None) -> str | None:
    """A link from the data only if it is a web address (never `javascript:` and the like)."""
    return url if url and url.lower().startswith(("https://", "http://")) else None


def country_name(code: str | None) -> str:
    """A country's name in the page's language (the code itself when Babel has none)."""
    if not code:
        return ""
    return str(Locale.parse(lang()).territories.get(code.upper(), code))


def currency_name(currency: str | None) -> str:
    if not currency:
        return ""
    return numbers.get_currency_name(currency, locale=lang())


def init_app(app: Flask) -> None:
    """Languages, filters, error pages and headers for every page."""
    Babel(app, locale_selector=_remember_locale)
    app.jinja_env.filters.update(
        money=format_money,
        number=format_number,
        percent=format_percent,
        currency_name=currency_name,
        http_url=http_url,
        country_name=country_name,
    )
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, lang=lang)
    words.register(app.jinja_env.globals)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)

    @app.after_request
    def outside_blueprints(response: Response) -> Response:
        # Pages without a blueprint (unknown addresses, static files) get the page headers.
        if request.blueprint is None and not is_api():
            return security_headers(response)
        return response

    @app.url_defaults
    def keep_language(endpoint: str, values: dict[str, Any]) -> None:
        # Every link of a page keeps the language in its address.
        if endpoint.split(".")[0] in PAGE_BLUEPRINTS and "lang" not in values:
            values["lang"] = lang()


def _remember_locale() -> str:
    g.lang = select_locale()
    return str(g.lang)
