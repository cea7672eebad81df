"""Console form for events. The domain rules (end after start, real time zone, capacity, industry list)
are checked by services.events, whose messages the view puts beside the fields; the form holds the
input and turns the wall-clock times into instants in the chosen time zone."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..models import Event, RegistrationMode
from ..services.events import (
    DEFAULT_MAX_ATTENDEES_PER_REGISTRATION,
    DEFAULT_TIMEZONE,
    MAX_ATTENDEES_PER_REGISTRATION,
    is_time_zone,
)
from ..services.reminders import DEFAULT_HOURS_BEFORE, MAX_HOURS_BEFORE

# The zones a bureau in Anhui meets: home first, then where roadshows travel. Any other real zone an
# event already has (set through the API) is added to the list when that event is edited.
TIME_ZONES = [
    ("Asia/Shanghai", _l("Beijing time")),
    ("Asia/Hong_Kong", _l("Hong Kong")),
    ("Asia/Taipei", _l("Taipei")),
    ("Asia/Tokyo", _l("Tokyo")),
    ("Asia/Seoul", _l("Seoul")),
    ("Asia/Singapore", _l("Singapore")),
    ("Asia/Dubai", _l("Dubai")),
    ("Europe/Moscow", _l("Moscow")),
    ("Europe/Berlin", _l("Berlin")),
    ("Europe/Paris", _l("Paris")),
    ("Europe/London", _l("London")),
    ("America/New_York", _l("New York")),
    ("America/Los_Angeles", _l("Los Angeles")),
    ("Australia/Sydney", _l("Sydney")),
]

FORMAT = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]  # what datetime-local inputs send


def _at_most(n: int) -> Length:
    return Length(max=n, message=_l("At most %(n)d characters.", n=n))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _wall(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    """An instant as the wall-clock time a datetime-local input shows, in the event's zone."""
    return value.astimezone(zone).replace(tzinfo=None) if value is not None else None


class EventForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("Enter the event's title.")),
                                                 _at_most(200)])
    starts_at = DateTimeLocalField(_l("Starts"), format=FORMAT, validators=[
        InputRequired(message=_l("Enter a date and time."))])
    ends_at = DateTimeLocalField(_l("Ends"), format=FORMAT, validators=[
        InputRequired(message=_l("Enter a date and time."))])
    timezone = SelectField(_l("Time zone"), default=DEFAULT_TIMEZONE, validate_choice=False,
                           description=_l("The start and end are read as times in this zone."))
    venue = StringField(_l("Venue"), validators=[Optional(), _at_most(200)])
    address = StringField(_l("Address"), validators=[Optional(), _at_most(300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), _at_most(20_000)])
    capacity = IntegerField(_l("Capacity (attendees)"), validators=[
        Optional(), NumberRange(min=0, message=_l("Enter a number of attendees of 0 or more, or leave it empty "
                                                  "for no limit."))],
        description=_l("Leave empty for no limit."))
    registration_mode = RadioField(_l("Registration"), default=RegistrationMode.invite.value, choices=[
        SelectChoice(RegistrationMode.invite.value, _l("By invitation only")),
        SelectChoice(RegistrationMode.open.value, _l("Open to anyone with the event's link")),
    ])
    approval_required = BooleanField(_l("Registrations need the organiser's approval"))
    sms_ticket = BooleanField(_l("Send confirmed guests their ticket link by SMS"),
                              description=_l("To the mobile number of the registration, when it has one; also "
                                             "when a guest moves up from the waiting list."))
    max_attendees_per_registration = IntegerField(
        _l("Attendees per registration (at most)"), default=DEFAULT_MAX_ATTENDEES_PER_REGISTRATION,
        validators=[Optional(),
                    NumberRange(min=1, max=MAX_ATTENDEES_PER_REGISTRATION,
                                message=_l("Enter a number of attendees from 1 to %(n)d.",
                                           n=MAX_ATTENDEES_PER_REGISTRATION))],
        description=_l("For open registration; an invitation brings its own number of seats."))
    reminder_hours_before = IntegerField(
        _l("Reminder (hours before the start)"), default=DEFAULT_HOURS_BEFORE,
        validators=[Optional(), NumberRange(min=1, max=MAX_HOURS_BEFORE,
                                            message=_l("Enter 1 to %(n)d hours, or nothing for no reminder.",
                                                       n=MAX_HOURS_BEFORE))],
        description=_l("Confirmed guests get a reminder by e-mail this long before the event; leave empty "
                       "for none."))
    industries = MultiCheckboxField(_l("Industries"), choices=[], validate_choice=False)
    registration_opens_at = DateTimeLocalField(_l("Registration opens"), format=FORMAT, validators=[Optional()],
                                               description=_l("Leave empty to open it when the event is "
                                                              "published."))
    registration_closes_at = DateTimeLocalField(_l("Registration closes"), format=FORMAT,
                                                validators=[Optional()],
                                                description=_l("Leave empty to keep it open."))
    save = SubmitField(_l("Save"))
    publish = SubmitField(_l("Save and publish"))

    def __init__(self, *args, industries: list[str], industries_data: list[str] | None = None, **kwargs):
        if industries_data is not None:
            kwargs["industries"] = industries_data
        super().__init__(*args, **kwargs)
        # An industry the event has that left the district's list stays visible (and can be unticked).
        self.industries.choices = [SelectChoice(name, name) for name in industries] + [
            SelectChoice(name, name) for name in (self.industries.data or []) if name not in industries]
        zone = self.timezone.data or DEFAULT_TIMEZONE
        choices = [SelectChoice(value, label) for value, label in TIME_ZONES]
        if zone not in {value for value, _ in TIME_ZONES} and is_time_zone(zone):
            choices.append(SelectChoice(zone, zone))
        self.timezone.choices = choices

    @classmethod
    def for_event(cls, event: Event, industries: list[str]) -> EventForm:
        zone = ZoneInfo(event.timezone or DEFAULT_TIMEZONE)
        return cls(industries=industries, title=event.title, timezone=event.timezone, venue=event.venue,
                   address=event.address, description=event.description, capacity=event.capacity,
                   approval_required=event.approval_required,
                   sms_ticket=event.sms_ticket,
                   max_attendees_per_registration=event.max_attendees_per_registration,
                   reminder_hours_before=event.reminder_hours_before,
                   starts_at=event.starts_at.astimezone(zone).replace(tzinfo=None),
                   ends_at=event.ends_at.astimezone(zone).replace(tzinfo=None),
                   registration_mode=event.registration_mode.value,
                   registration_opens_at=_wall(event.registration_opens_at, zone),
                   registration_closes_at=_wall(event.registration_closes_at, zone),
                   industries_data=list(event.industries or []))

    def event_fields(self) -> dict:
        """The fields for services.events, wall-clock times made instants in the chosen zone. A zone
        that is not real is passed on as it is, for the service to reject beside the field."""
        zone_name = self.timezone.data
        zone = ZoneInfo(zone_name) if is_time_zone(zone_name) else ZoneInfo(DEFAULT_TIMEZONE)

        def instant(value: datetime | None) -> datetime | None:
            return value.replace(tzinfo=zone) if value is not None else None

        return {
            "title": self.title.data, "starts_at": instant(self.starts_at.data),
            "ends_at": instant(self.ends_at.data), "timezone": zone_name, "venue": self.venue.data,
            "address": self.address.data, "description": self.description.data, "capacity": self.capacity.data,
            "registration_mode": self.registration_mode.data, "approval_required": bool(self.approval_required.data),
            "sms_ticket": bool(self.sms_ticket.data),
            "industries": list(self.industries.data or []),
            "reminder_hours_before": self.reminder_hours_before.data,  # empty: no reminder
            "registration_opens_at": instant(self.registration_opens_at.data),
            "registration_closes_at": instant(self.registration_closes_at.data),
            # left empty: unchanged (a new event gets the default)
            **({"max_attendees_per_registration": self.max_attendees_per_registration.data}
               if self.max_attendees_per_registration.data is not None else {}),
        }


class ConfirmForm(FlaskForm):
    """A bare form for POST buttons: CSRF token only."""
