"""The Flask extensions shared by the whole application, created unbound (`init_app` later)."""

from datetime import datetime

from flask_babel import Babel
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, registry

from condiviso.database.binding import session_scope
from condiviso.database.session import RoutingSession
from condiviso.database.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model; tenant models use it directly, platform models through
    `condiviso.tenancy.models.PlatformModel`."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


db = SQLAlchemy(
    model_class=Base,
    session_options={"class_": RoutingSession, "scopefunc": session_scope},
)
babel = Babel()
