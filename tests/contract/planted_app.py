"""A small notes service with planted bugs: the contract suite must find each one, once.

Not the reference app: written for these tests, started as a real uvicorn process
(``python -m uvicorn tests.contract.planted_app:app``). Everything is right (problem+json
errors, request ids, security headers, documented statuses) except:

1. a NUL byte in any stored text crashes the "database" (500), reachable from three
   operations: ``POST /notes``, ``PUT /notes/{note_id}`` and ``GET /notes/search``;
2. an integer beyond 64 bits crashes it too (500): ``GET /notes?offset=``;
3. ``GET /notes/{note_id}`` answers 410 for archived notes (ids ≥ 1000), a status its
   OpenAPI document does not declare;
4. ``POST /session/revoke`` lets the caller revoke its own tokens: every later request
   with them answers 401.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

INT64_MAX = 2**63 - 1
ARCHIVED_FROM_ID = 1000


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class Credentials(Strict):
    username: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9]+$")]
    password: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9]+$")]


class Token(Strict):
    access_token: str
    token_type: str = "bearer"


class NoteCreate(Strict):
    title: Annotated[str, Field(max_length=200)]
    body: Annotated[str, Field(max_length=2000)]


class NoteUpdate(Strict):
    title: Annotated[str, Field(max_length=200)]
    body: Annotated[str, Field(max_length=2000)]


class NotePublic(Strict):
    id: int
    title: str
    body: str


class Principal(Strict):
    username: str


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None


PROBLEM = {"model": Problem, "content": {"application/problem+json": {}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed request", **PROBLEM},
    401: {"description": "Missing or invalid token", **PROBLEM},
    422: {"description": "Invalid request", **PROBLEM},
}


class Store:
    """Stands in for a database with PostgreSQL's and int8's limits, checked too late."""

    def __init__(self) -> None:
        self.users: dict[str, str] = {}
        self.tokens: dict[str, str] = {}
        self.notes: dict[int, dict[str, Any]] = {}
        self.next_id = 1

    def write(self, *texts: str, numbers: tuple[int, ...] = ()) -> None:
        for text in texts:
            if "\x00" in text:  # psycopg: "A string literal cannot contain NUL (0x00) characters."
                raise ValueError("string literal cannot contain NUL characters")
        for number in numbers:
            if abs(number) > INT64_MAX:
                raise OverflowError("value out of int8 range")


store = Store()
app = FastAPI(title="Planted notes", version="1.0.0")
bearer = HTTPBearer(auto_error=False)


def problem(status: int, title: str, detail: str | None = None) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


@app.exception_handler(HTTPException)
async def http_problem(request: Request, exc: HTTPException) -> JSONResponse:
    return problem(exc.status_code, str(exc.detail))


@app.exception_handler(RequestValidationError)
async def validation_problem(request: Request, exc: RequestValidationError) -> JSONResponse:
    malformed = any(error.get("type") == "json_invalid" for error in exc.errors())
    return problem(400 if malformed else 422, "Malformed JSON" if malformed else "Invalid request")


@app.exception_handler(Exception)
async def crash_problem(request: Request, exc: Exception) -> JSONResponse:
    return problem(500, "Internal Server Error")


def principal(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
    username = store.tokens.get(credentials.credentials) if credentials else None
    if username is None:
        raise HTTPException(401, "Missing or invalid token")
    return username


User = Annotated[str, Depends(principal)]


@app.post("/signup", status_code=201, responses=ERRORS, response_model=Principal)
def signup(credentials: Credentials) -> Principal:
    store.users[credentials.username] = credentials.password
    return Principal(username=credentials.username)


@app.post("/login", responses=ERRORS, response_model=Token)
def login(credentials: Credentials) -> Token | JSONResponse:
    if store.users.get(credentials.username) != credentials.password:
        return problem(401, "Wrong username or password")
    token = secrets.token_urlsafe(16)
    store.tokens[token] = credentials.username
    return Token(access_token=token)


@app.get("/me", responses=ERRORS, response_model=Principal)
def me(user: User) -> Principal:
    return Principal(username=user)


@app.post("/session/revoke", status_code=204, responses=ERRORS)
def revoke(user: User) -> Response:
    # Planted bug 4: the caller can end its own access, and the fuzzer will call this.
    for token in [t for t, name in store.tokens.items() if name == user]:
        del store.tokens[token]
    return Response(status_code=204)


@app.post("/notes", status_code=201, responses=ERRORS, response_model=NotePublic)
def create_note(note: NoteCreate, user: User) -> NotePublic:
    store.write(note.title, note.body)  # planted bug 1
    note_id = store.next_id
    store.next_id += 1
    store.notes[note_id] = {"id": note_id, **note.model_dump()}
    return NotePublic(**store.notes[note_id])


@app.get("/notes", responses=ERRORS, response_model=list[NotePublic])
def list_notes(user: User, offset: int = 0) -> list[NotePublic]:
    store.write(numbers=(offset,))  # planted bug 2: OFFSET goes to the database unchecked
    return [NotePublic(**n) for n in list(store.notes.values())[max(offset, 0) :][:10]]


@app.get("/notes/search", responses=ERRORS, response_model=list[NotePublic])
def search_notes(q: Annotated[str, Field(max_length=100)], user: User) -> list[NotePublic]:
    store.write(q)  # planted bug 1 (the search term is logged to the database)
    return [NotePublic(**n) for n in store.notes.values() if q in n["title"]][:10]


@app.get("/notes/{note_id}", responses={**ERRORS, 404: {"description": "No such note", **PROBLEM}},
         response_model=NotePublic)  # fmt: skip
def read_note(note_id: Annotated[int, Field(ge=1, le=INT64_MAX)], user: User) -> NotePublic:
    if note_id >= ARCHIVED_FROM_ID:
        raise HTTPException(410, "Note archived")  # planted bug 3: 410 is not in the document
    note = store.notes.get(note_id)
    if note is None:
        raise HTTPException(404, "No such note")
    return NotePublic(**note)


@app.put("/notes/{note_id}", responses={**ERRORS, 404: {"description": "No such note", **PROBLEM}},
         response_model=NotePublic)  # fmt: skip
def update_note(note_id: Annotated[int, Field(ge=1, le=INT64_MAX)], note: NoteUpdate, user: User) -> NotePublic:
    store.write(note.title, note.body)  # planted bug 1
    if note_id not in store.notes:
        raise HTTPException(404, "No such note")
    store.notes[note_id].update(note.model_dump())
    return NotePublic(**store.notes[note_id])


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"default-src 'none'"),
    (b"referrer-policy", b"no-referrer"),
    (b"strict-transport-security", b"max-age=63072000"),
]


class Hardening:
    """Outermost ASGI layer: request id and security headers on every response, no-store on errors."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def hardened(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), *SECURITY_HEADERS, (b"x-request-id", uuid.uuid4().hex.encode())]
                if message["status"] >= 400:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, hardened)
        except Exception:
            return  # Starlette already answered with the crash problem; uvicorn would only log it


asgi = Hardening(app)
