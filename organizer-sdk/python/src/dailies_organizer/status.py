"""Errors a plugin answers with, as gRPC status codes the server understands."""
import grpc


class Status(Exception):
    """Raise it from a plugin method to answer with a gRPC error. The server shows the
    message to the user (for commands) and maps the code: NOT_FOUND → not_found,
    PERMISSION_DENIED → forbidden, INVALID_ARGUMENT and UNIMPLEMENTED → bad_message."""

    def __init__(self, code: grpc.StatusCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"Status({self.code.name}, {self.message!r})"

    @classmethod
    def not_found(cls, message: str) -> "Status":
        return cls(grpc.StatusCode.NOT_FOUND, message)

    @classmethod
    def invalid_argument(cls, message: str) -> "Status":
        return cls(grpc.StatusCode.INVALID_ARGUMENT, message)

    @classmethod
    def permission_denied(cls, message: str) -> "Status":
        return cls(grpc.StatusCode.PERMISSION_DENIED, message)

    @classmethod
    def unimplemented(cls, message: str) -> "Status":
        return cls(grpc.StatusCode.UNIMPLEMENTED, message)

    @classmethod
    def unavailable(cls, message: str) -> "Status":
        return cls(grpc.StatusCode.UNAVAILABLE, message)

    @classmethod
    def failed_precondition(cls, message: str) -> "Status":
        return cls(grpc.StatusCode.FAILED_PRECONDITION, message)

    @classmethod
    def data_loss(cls, message: str) -> "Status":
        return cls(grpc.StatusCode.DATA_LOSS, message)

    @classmethod
    def internal(cls, message: str) -> "Status":
        return cls(grpc.StatusCode.INTERNAL, message)

    @classmethod
    def of_rpc_error(cls, e: grpc.RpcError) -> "Status":
        code = e.code() if hasattr(e, "code") else grpc.StatusCode.UNKNOWN
        details = e.details() if hasattr(e, "details") else str(e)
        return cls(code or grpc.StatusCode.UNKNOWN, details or "")
