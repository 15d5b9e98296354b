
SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

CREATE TABLE public.account_change (
    id integer NOT NULL,
    ticket integer,
    change_id integer DEFAULT 0 NOT NULL,
    kind character varying(40) DEFAULT ''::character varying NOT NULL,
    account character varying(100) DEFAULT ''::character varying NOT NULL,
    requested_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    told_at timestamp with time zone
);

CREATE SEQUENCE public.account_change_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.account_change_id_seq OWNED BY public.account_change.id;

CREATE TABLE public.anomaly_ticket (
    id integer NOT NULL,
    academie character varying(40) DEFAULT ''::character varying NOT NULL,
    account character varying(100) DEFAULT ''::character varying NOT NULL,
    flag character varying(40) DEFAULT ''::character varying NOT NULL,
    ticket integer,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

CREATE SEQUENCE public.anomaly_ticket_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.anomaly_ticket_id_seq OWNED BY public.anomaly_ticket.id;

CREATE TABLE public.api_token (
    id integer NOT NULL,
    "user" integer,
    token_hash character varying(64) DEFAULT ''::character varying NOT NULL,
    expires_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    revoked boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

CREATE SEQUENCE public.api_token_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.api_token_id_seq OWNED BY public.api_token.id;

CREATE TABLE public.attachment (
    id integer NOT NULL,
    ticket integer,
    event integer,
    filename character varying(200) DEFAULT ''::character varying NOT NULL,
    content_type character varying(40) DEFAULT ''::character varying NOT NULL,
    size integer DEFAULT 0 NOT NULL,
    storage_name character varying(80) DEFAULT ''::character varying NOT NULL,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

CREATE SEQUENCE public.attachment_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.attachment_id_seq OWNED BY public.attachment.id;

CREATE TABLE public.audit_log (
    id integer NOT NULL,
    user_id integer,
    action character varying(60) DEFAULT ''::character varying NOT NULL,
    detail json DEFAULT '{}'::json NOT NULL,
    ip character varying(64) DEFAULT ''::character varying NOT NULL,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

CREATE SEQUENCE public.audit_log_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.audit_log_id_seq OWNED BY public.audit_log.id;

CREATE TABLE public.canned_answer (
    id integer NOT NULL,
    academie character varying(40) DEFAULT ''::character varying NOT NULL,
    title character varying(200) DEFAULT ''::character varying NOT NULL,
    body text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

CREATE SEQUENCE public.canned_answer_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.canned_answer_id_seq OWNED BY public.canned_answer.id;

CREATE TABLE public.contact_override (
    id integer NOT NULL,
    academie character varying(40) DEFAULT ''::character varying NOT NULL,
    audience character varying(20) DEFAULT ''::character varying NOT NULL,
    formulaire character varying(300) DEFAULT ''::character varying NOT NULL,
    telephone character varying(40) DEFAULT ''::character varying NOT NULL,
    courriel character varying(320) DEFAULT ''::character varying NOT NULL,
    consigne character varying(500) DEFAULT ''::character varying NOT NULL
);

CREATE SEQUENCE public.contact_override_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.contact_override_id_seq OWNED BY public.contact_override.id;

CREATE TABLE public.deflection_event (
    id integer NOT NULL,
    form_id character varying(64) DEFAULT ''::character varying NOT NULL,
    event character varying(12) DEFAULT ''::character varying NOT NULL,
    academie character varying(40) DEFAULT ''::character varying NOT NULL,
    category character varying(40) DEFAULT ''::character varying NOT NULL,
    slug character varying(100) DEFAULT ''::character varying NOT NULL,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

CREATE SEQUENCE public.deflection_event_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.deflection_event_id_seq OWNED BY public.deflection_event.id;

CREATE TABLE public.directory_account (
    id integer NOT NULL,
    identifier character varying(100) DEFAULT ''::character varying NOT NULL,
    kind character varying(12) DEFAULT ''::character varying NOT NULL,
    first_name character varying(100) DEFAULT ''::character varying NOT NULL,
    last_name character varying(100) DEFAULT ''::character varying NOT NULL,
    birth_name character varying(100) DEFAULT ''::character varying NOT NULL,
    first_folded character varying(100) DEFAULT ''::character varying NOT NULL,
    last_folded character varying(100) DEFAULT ''::character varying NOT NULL,
    birth_date date,
    ine character varying(11) DEFAULT ''::character varying NOT NULL,
    classe character varying(40) DEFAULT ''::character varying NOT NULL,
    uai character varying(8) DEFAULT ''::character varying NOT NULL,
    state character varying(40) DEFAULT ''::character varying NOT NULL,
    origin character varying(20) DEFAULT 'Non renseigné'::character varying NOT NULL,
    email character varying(320) DEFAULT ''::character varying NOT NULL,
    email_confirmed boolean DEFAULT false NOT NULL,
    pending_email character varying(320) DEFAULT ''::character varying NOT NULL,
    mobile character varying(10) DEFAULT ''::character varying NOT NULL,
    password_kind character varying(12) DEFAULT ''::character varying NOT NULL,
    provisional_password character varying(20) DEFAULT ''::character varying NOT NULL,
    password_hash character varying(200) DEFAULT ''::character varying NOT NULL,
    password_reset_pending boolean DEFAULT false NOT NULL,
    compromis boolean DEFAULT false NOT NULL,
    adresse_mail_en_erreur boolean DEFAULT false NOT NULL,
    date_naissance_signalee_incorrecte boolean DEFAULT false NOT NULL,
    rattachement_signale_errone boolean DEFAULT false NOT NULL,
    search_text text DEFAULT ''::text NOT NULL,
    last_informed_at timestamp with time zone,
    last_login_at timestamp with time zone,
    activated_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    updated_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

CREATE SEQUENCE public.directory_account_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.directory_account_id_seq OWNED BY public.directory_account.id;

CREATE TABLE public.directory_action (
    id integer NOT NULL,
    idempotency_key character varying(200) DEFAULT NULL::character varying,
    fingerprint character varying(64) DEFAULT ''::character varying NOT NULL,
    action character varying(40) DEFAULT ''::character varying NOT NULL,
    identifier character varying(100) DEFAULT ''::character varying NOT NULL,
    result json DEFAULT '{}'::json NOT NULL,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

CREATE SEQUENCE public.directory_action_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.directory_action_id_seq OWNED BY public.directory_action.id;

CREATE TABLE public.directory_establishment (
    id integer NOT NULL,
    uai character varying(8) DEFAULT ''::character varying NOT NULL,
    name character varying(200) DEFAULT ''::character varying NOT NULL,
    commune character varying(100) DEFAULT ''::character varying NOT NULL,
    academie character varying(40) DEFAULT ''::character varying NOT NULL,
    degre character varying(3) DEFAULT '2nd'::character varying NOT NULL
);

CREATE SEQUENCE public.directory_establishment_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.directory_establishment_id_seq OWNED BY public.directory_establishment.id;

CREATE TABLE public.directory_link (
    id integer NOT NULL,
    responsable integer,
    eleve integer,
    relation character varying(40) DEFAULT 'Représentant légal'::character varying NOT NULL,
    status character varying(20) DEFAULT 'non_confirme'::character varying NOT NULL,
    responsable_first_name character varying(100) DEFAULT ''::character varying NOT NULL,
    responsable_last_name character varying(100) DEFAULT ''::character varying NOT NULL,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

CREATE SEQUENCE public.directory_link_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.directory_link_id_seq OWNED BY public.directory_link.id;

CREATE TABLE public.directory_mail_confirmation (
    id integer NOT NULL,
    account integer,
    email character varying(320) DEFAULT ''::character varying NOT NULL,
    token_hash character varying(64) DEFAULT ''::character varying NOT NULL,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    expires_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    used_at timestamp with time zone
);

CREATE SEQUENCE public.directory_mail_confirmation_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.directory_mail_confirmation_id_seq OWNED BY public.directory_mail_confirmation.id;

CREATE TABLE public.directory_pending_change (
    id integer NOT NULL,
    account integer,
    kind character varying(30) DEFAULT ''::character varying NOT NULL,
    value json DEFAULT '{}'::json NOT NULL,
    requested_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    applied_at timestamp with time zone,
    outcome json DEFAULT '{}'::json NOT NULL
);

CREATE SEQUENCE public.directory_pending_change_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.directory_pending_change_id_seq OWNED BY public.directory_pending_change.id;

CREATE TABLE public.directory_place (
    id integer NOT NULL,
    account integer,
    uai character varying(8) DEFAULT ''::character varying NOT NULL,
    academie character varying(40) DEFAULT ''::character varying NOT NULL
);

CREATE SEQUENCE public.directory_place_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.directory_place_id_seq OWNED BY public.directory_place.id;

CREATE TABLE public.directory_retired_identifier (
    id integer NOT NULL,
    identifier character varying(100) DEFAULT ''::character varying NOT NULL,
    account integer,
    retired_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

CREATE SEQUENCE public.directory_retired_identifier_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.directory_retired_identifier_id_seq OWNED BY public.directory_retired_identifier.id;

CREATE TABLE public.faq_vote (
    id integer NOT NULL,
    slug character varying(100) DEFAULT ''::character varying NOT NULL,
    helpful boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

CREATE SEQUENCE public.faq_vote_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.faq_vote_id_seq OWNED BY public.faq_vote.id;

CREATE TABLE public.follow_token (
    id integer NOT NULL,
    ticket integer,
    token_hash character varying(64) DEFAULT ''::character varying NOT NULL,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

CREATE SEQUENCE public.follow_token_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.follow_token_id_seq OWNED BY public.follow_token.id;

CREATE TABLE public.idempotency_key (
    id integer NOT NULL,
    key_hash character varying(64) DEFAULT ''::character varying NOT NULL,
    body_hash character varying(64) DEFAULT ''::character varying NOT NULL,
    ticket integer,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

CREATE SEQUENCE public.idempotency_key_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.idempotency_key_id_seq OWNED BY public.idempotency_key.id;

CREATE TABLE public.incident (
    id integer NOT NULL,
    academie character varying(40) DEFAULT ''::character varying NOT NULL,
    title character varying(200) DEFAULT ''::character varying NOT NULL,
    message text DEFAULT ''::text NOT NULL,
    status character varying(10) DEFAULT 'ouvert'::character varying NOT NULL,
    closing_message text DEFAULT ''::text NOT NULL,
    opened_by integer,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    closed_at timestamp with time zone
);

CREATE SEQUENCE public.incident_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.incident_id_seq OWNED BY public.incident.id;

CREATE TABLE public.letter_delivery (
    id integer NOT NULL,
    ticket integer,
    attachment integer,
    uai character varying(8) DEFAULT ''::character varying NOT NULL,
    account character varying(100) DEFAULT ''::character varying NOT NULL,
    handed_at timestamp with time zone,
    handed_by integer,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

CREATE SEQUENCE public.letter_delivery_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.letter_delivery_id_seq OWNED BY public.letter_delivery.id;

CREATE TABLE public.outbox_mail (
    id integer NOT NULL,
    recipient character varying(320) DEFAULT ''::character varying NOT NULL,
    subject character varying(300) DEFAULT ''::character varying NOT NULL,
    text_body text DEFAULT ''::text NOT NULL,
    html_body text DEFAULT ''::text NOT NULL,
    message_id character varying(200) DEFAULT ''::character varying NOT NULL,
    status character varying(12) DEFAULT 'pending'::character varying NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    next_attempt_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    lease_until timestamp with time zone,
    last_error text DEFAULT ''::text NOT NULL,
    ticket_reference character varying(40) DEFAULT ''::character varying NOT NULL,
    kind character varying(40) DEFAULT ''::character varying NOT NULL,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    sent_at timestamp with time zone
);

CREATE SEQUENCE public.outbox_mail_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.outbox_mail_id_seq OWNED BY public.outbox_mail.id;

CREATE TABLE public.password_reset (
    id integer NOT NULL,
    "user" integer,
    token_hash character varying(64) DEFAULT ''::character varying NOT NULL,
    expires_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    used boolean DEFAULT false NOT NULL
);

CREATE SEQUENCE public.password_reset_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.password_reset_id_seq OWNED BY public.password_reset.id;

CREATE TABLE public.sla_target (
    id integer NOT NULL,
    academie character varying(40) DEFAULT ''::character varying NOT NULL,
    category character varying(40) DEFAULT ''::character varying NOT NULL,
    first_response_hours real DEFAULT 0.0 NOT NULL,
    resolution_hours real DEFAULT 0.0 NOT NULL
);

CREATE SEQUENCE public.sla_target_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.sla_target_id_seq OWNED BY public.sla_target.id;

CREATE TABLE public.staff_user (
    id integer NOT NULL,
    email character varying(320) DEFAULT ''::character varying NOT NULL,
    name character varying(200) DEFAULT ''::character varying NOT NULL,
    role character varying(20) DEFAULT ''::character varying NOT NULL,
    academie character varying(40) DEFAULT ''::character varying NOT NULL,
    uais json DEFAULT '[]'::json NOT NULL,
    password_hash character varying(200) DEFAULT ''::character varying NOT NULL,
    totp_secret character varying(64) DEFAULT ''::character varying NOT NULL,
    totp_required boolean DEFAULT false NOT NULL,
    active boolean DEFAULT true NOT NULL,
    notify_by_mail boolean DEFAULT true NOT NULL,
    session_epoch integer DEFAULT 1 NOT NULL,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    last_login_at timestamp with time zone
);

CREATE SEQUENCE public.staff_user_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.staff_user_id_seq OWNED BY public.staff_user.id;

CREATE TABLE public.ticket (
    id integer NOT NULL,
    reference character varying(40) DEFAULT ''::character varying NOT NULL,
    academie character varying(40) DEFAULT ''::character varying NOT NULL,
    category character varying(40) DEFAULT ''::character varying NOT NULL,
    status character varying(12) DEFAULT 'nouveau'::character varying NOT NULL,
    priority character varying(12) DEFAULT 'normale'::character varying NOT NULL,
    channel character varying(12) DEFAULT 'web'::character varying NOT NULL,
    degre character varying(3) DEFAULT ''::character varying NOT NULL,
    uai character varying(8) DEFAULT ''::character varying NOT NULL,
    etablissement character varying(200) DEFAULT ''::character varying NOT NULL,
    requester_kind character varying(20) DEFAULT 'parent'::character varying NOT NULL,
    requester_first_name character varying(100) DEFAULT ''::character varying NOT NULL,
    requester_last_name character varying(100) DEFAULT ''::character varying NOT NULL,
    requester_email character varying(320) DEFAULT ''::character varying NOT NULL,
    requester_phone character varying(20) DEFAULT ''::character varying NOT NULL,
    child_first_name character varying(100) DEFAULT ''::character varying NOT NULL,
    child_last_name character varying(100) DEFAULT ''::character varying NOT NULL,
    child_birth_date_typed character varying(20) DEFAULT ''::character varying NOT NULL,
    child_birth_date date,
    refused_birth_date_typed character varying(20) DEFAULT ''::character varying NOT NULL,
    refused_birth_date date,
    child_classe character varying(40) DEFAULT ''::character varying NOT NULL,
    child_ine character varying(11) DEFAULT ''::character varying NOT NULL,
    identifier character varying(100) DEFAULT ''::character varying NOT NULL,
    activation_email character varying(320) DEFAULT ''::character varying NOT NULL,
    message text DEFAULT ''::text NOT NULL,
    details json DEFAULT '{}'::json NOT NULL,
    parent_ticket integer,
    assignee_id integer,
    incident_id integer,
    version integer DEFAULT 1 NOT NULL,
    suggested_category character varying(40) DEFAULT ''::character varying NOT NULL,
    suggested_confidence real DEFAULT 0.0 NOT NULL,
    search_text text DEFAULT ''::text NOT NULL,
    first_response_due_at timestamp with time zone,
    resolution_due_at timestamp with time zone,
    sla_due_at timestamp with time zone,
    sla_paused_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    updated_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    first_response_at timestamp with time zone,
    resolved_at timestamp with time zone,
    closed_at timestamp with time zone
);

CREATE TABLE public.ticket_event (
    id integer NOT NULL,
    ticket integer,
    kind character varying(30) DEFAULT ''::character varying NOT NULL,
    public boolean DEFAULT true NOT NULL,
    author character varying(20) DEFAULT 'demandeur'::character varying NOT NULL,
    body text DEFAULT ''::text NOT NULL,
    data json DEFAULT '{}'::json NOT NULL,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

CREATE SEQUENCE public.ticket_event_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.ticket_event_id_seq OWNED BY public.ticket_event.id;

CREATE SEQUENCE public.ticket_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.ticket_id_seq OWNED BY public.ticket.id;

CREATE TABLE public.ticket_sequence (
    id integer NOT NULL,
    academie character varying(40) DEFAULT ''::character varying NOT NULL,
    year integer DEFAULT 0 NOT NULL,
    last_number integer DEFAULT 0 NOT NULL
);

CREATE SEQUENCE public.ticket_sequence_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.ticket_sequence_id_seq OWNED BY public.ticket_sequence.id;

CREATE TABLE public.transmission (
    id integer NOT NULL,
    ticket integer,
    uai character varying(8) DEFAULT ''::character varying NOT NULL,
    question text DEFAULT ''::text NOT NULL,
    answer text DEFAULT ''::text NOT NULL,
    status character varying(10) DEFAULT 'ouverte'::character varying NOT NULL,
    asked_by integer,
    answered_by integer,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    answered_at timestamp with time zone
);

CREATE SEQUENCE public.transmission_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.transmission_id_seq OWNED BY public.transmission.id;

ALTER TABLE ONLY public.account_change ALTER COLUMN id SET DEFAULT nextval('public.account_change_id_seq'::regclass);

ALTER TABLE ONLY public.anomaly_ticket ALTER COLUMN id SET DEFAULT nextval('public.anomaly_ticket_id_seq'::regclass);

ALTER TABLE ONLY public.api_token ALTER COLUMN id SET DEFAULT nextval('public.api_token_id_seq'::regclass);

ALTER TABLE ONLY public.attachment ALTER COLUMN id SET DEFAULT nextval('public.attachment_id_seq'::regclass);

ALTER TABLE ONLY public.audit_log ALTER COLUMN id SET DEFAULT nextval('public.audit_log_id_seq'::regclass);

ALTER TABLE ONLY public.canned_answer ALTER COLUMN id SET DEFAULT nextval('public.canned_answer_id_seq'::regclass);

ALTER TABLE ONLY public.contact_override ALTER COLUMN id SET DEFAULT nextval('public.contact_override_id_seq'::regclass);

ALTER TABLE ONLY public.deflection_event ALTER COLUMN id SET DEFAULT nextval('public.deflection_event_id_seq'::regclass);

ALTER TABLE ONLY public.directory_account ALTER COLUMN id SET DEFAULT nextval('public.directory_account_id_seq'::regclass);

ALTER TABLE ONLY public.directory_action ALTER COLUMN id SET DEFAULT nextval('public.directory_action_id_seq'::regclass);

ALTER TABLE ONLY public.directory_establishment ALTER COLUMN id SET DEFAULT nextval('public.directory_establishment_id_seq'::regclass);

ALTER TABLE ONLY public.directory_link ALTER COLUMN id SET DEFAULT nextval('public.directory_link_id_seq'::regclass);

ALTER TABLE ONLY public.directory_mail_confirmation ALTER COLUMN id SET DEFAULT nextval('public.directory_mail_confirmation_id_seq'::regclass);

ALTER TABLE ONLY public.directory_pending_change ALTER COLUMN id SET DEFAULT nextval('public.directory_pending_change_id_seq'::regclass);

ALTER TABLE ONLY public.directory_place ALTER COLUMN id SET DEFAULT nextval('public.directory_place_id_seq'::regclass);

ALTER TABLE ONLY public.directory_retired_identifier ALTER COLUMN id SET DEFAULT nextval('public.directory_retired_identifier_id_seq'::regclass);

ALTER TABLE ONLY public.faq_vote ALTER COLUMN id SET DEFAULT nextval('public.faq_vote_id_seq'::regclass);

ALTER TABLE ONLY public.follow_token ALTER COLUMN id SET DEFAULT nextval('public.follow_token_id_seq'::regclass);

ALTER TABLE ONLY public.idempotency_key ALTER COLUMN id SET DEFAULT nextval('public.idempotency_key_id_seq'::regclass);

ALTER TABLE ONLY public.incident ALTER COLUMN id SET DEFAULT nextval('public.incident_id_seq'::regclass);

ALTER TABLE ONLY public.letter_delivery ALTER COLUMN id SET DEFAULT nextval('public.letter_delivery_id_seq'::regclass);

ALTER TABLE ONLY public.outbox_mail ALTER COLUMN id SET DEFAULT nextval('public.outbox_mail_id_seq'::regclass);

ALTER TABLE ONLY public.password_reset ALTER COLUMN id SET DEFAULT nextval('public.password_reset_id_seq'::regclass);

ALTER TABLE ONLY public.sla_target ALTER COLUMN id SET DEFAULT nextval('public.sla_target_id_seq'::regclass);

ALTER TABLE ONLY public.staff_user ALTER COLUMN id SET DEFAULT nextval('public.staff_user_id_seq'::regclass);

ALTER TABLE ONLY public.ticket ALTER COLUMN id SET DEFAULT nextval('public.ticket_id_seq'::regclass);

ALTER TABLE ONLY public.ticket_event ALTER COLUMN id SET DEFAULT nextval('public.ticket_event_id_seq'::regclass);

ALTER TABLE ONLY public.ticket_sequence ALTER COLUMN id SET DEFAULT nextval('public.ticket_sequence_id_seq'::regclass);

ALTER TABLE ONLY public.transmission ALTER COLUMN id SET DEFAULT nextval('public.transmission_id_seq'::regclass);

ALTER TABLE ONLY public.account_change
    ADD CONSTRAINT account_change_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.anomaly_ticket
    ADD CONSTRAINT anomaly_ticket_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.api_token
    ADD CONSTRAINT api_token_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.api_token
    ADD CONSTRAINT api_token_token_hash_key UNIQUE (token_hash);

ALTER TABLE ONLY public.attachment
    ADD CONSTRAINT attachment_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.canned_answer
    ADD CONSTRAINT canned_answer_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.contact_override
    ADD CONSTRAINT contact_override_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.deflection_event
    ADD CONSTRAINT deflection_event_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.directory_account
    ADD CONSTRAINT directory_account_identifier_key UNIQUE (identifier);

ALTER TABLE ONLY public.directory_account
    ADD CONSTRAINT directory_account_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.directory_action
    ADD CONSTRAINT directory_action_idempotency_key_key UNIQUE (idempotency_key);

ALTER TABLE ONLY public.directory_action
    ADD CONSTRAINT directory_action_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.directory_establishment
    ADD CONSTRAINT directory_establishment_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.directory_establishment
    ADD CONSTRAINT directory_establishment_uai_key UNIQUE (uai);

ALTER TABLE ONLY public.directory_link
    ADD CONSTRAINT directory_link_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.directory_mail_confirmation
    ADD CONSTRAINT directory_mail_confirmation_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.directory_mail_confirmation
    ADD CONSTRAINT directory_mail_confirmation_token_hash_key UNIQUE (token_hash);

ALTER TABLE ONLY public.directory_pending_change
    ADD CONSTRAINT directory_pending_change_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.directory_place
    ADD CONSTRAINT directory_place_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.directory_retired_identifier
    ADD CONSTRAINT directory_retired_identifier_identifier_key UNIQUE (identifier);

ALTER TABLE ONLY public.directory_retired_identifier
    ADD CONSTRAINT directory_retired_identifier_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.faq_vote
    ADD CONSTRAINT faq_vote_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.follow_token
    ADD CONSTRAINT follow_token_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.follow_token
    ADD CONSTRAINT follow_token_token_hash_key UNIQUE (token_hash);

ALTER TABLE ONLY public.idempotency_key
    ADD CONSTRAINT idempotency_key_key_hash_key UNIQUE (key_hash);

ALTER TABLE ONLY public.idempotency_key
    ADD CONSTRAINT idempotency_key_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.incident
    ADD CONSTRAINT incident_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.letter_delivery
    ADD CONSTRAINT letter_delivery_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.outbox_mail
    ADD CONSTRAINT outbox_mail_message_id_key UNIQUE (message_id);

ALTER TABLE ONLY public.outbox_mail
    ADD CONSTRAINT outbox_mail_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.password_reset
    ADD CONSTRAINT password_reset_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.password_reset
    ADD CONSTRAINT password_reset_token_hash_key UNIQUE (token_hash);

ALTER TABLE ONLY public.sla_target
    ADD CONSTRAINT sla_target_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.staff_user
    ADD CONSTRAINT staff_user_email_key UNIQUE (email);

ALTER TABLE ONLY public.staff_user
    ADD CONSTRAINT staff_user_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.ticket_event
    ADD CONSTRAINT ticket_event_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.ticket
    ADD CONSTRAINT ticket_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.ticket
    ADD CONSTRAINT ticket_reference_key UNIQUE (reference);

ALTER TABLE ONLY public.ticket_sequence
    ADD CONSTRAINT ticket_sequence_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.transmission
    ADD CONSTRAINT transmission_pkey PRIMARY KEY (id);

CREATE INDEX account_change_ticket ON public.account_change USING btree (ticket);

CREATE INDEX account_change_told_at ON public.account_change USING btree (told_at);

CREATE INDEX anomaly_ticket_academie ON public.anomaly_ticket USING btree (academie);

CREATE INDEX anomaly_ticket_key ON public.anomaly_ticket USING btree (account, flag);

CREATE UNIQUE INDEX anomaly_ticket_one_row ON public.anomaly_ticket USING btree (ticket);

CREATE INDEX anomaly_ticket_ticket ON public.anomaly_ticket USING btree (ticket);

CREATE INDEX api_token_user ON public.api_token USING btree ("user");

CREATE INDEX attachment_ticket ON public.attachment USING btree (ticket);

CREATE INDEX canned_answer_academie ON public.canned_answer USING btree (academie);

CREATE UNIQUE INDEX contact_override_key ON public.contact_override USING btree (academie, audience);

CREATE INDEX deflection_event_academie ON public.deflection_event USING btree (academie);

CREATE INDEX deflection_event_form_id ON public.deflection_event USING btree (form_id);

CREATE INDEX directory_account_order ON public.directory_account USING btree (last_folded, first_folded, id);

CREATE INDEX directory_establishment_academie ON public.directory_establishment USING btree (academie);

CREATE INDEX directory_link_eleve ON public.directory_link USING btree (eleve);

CREATE INDEX directory_link_responsable ON public.directory_link USING btree (responsable);

CREATE INDEX directory_mail_confirmation_account ON public.directory_mail_confirmation USING btree (account);

CREATE INDEX directory_pending_change_account ON public.directory_pending_change USING btree (account);

CREATE INDEX directory_pending_due ON public.directory_pending_change USING btree (applied_at);

CREATE INDEX directory_place_academie ON public.directory_place USING btree (academie, account);

CREATE INDEX directory_place_account ON public.directory_place USING btree (account);

CREATE INDEX directory_place_uai ON public.directory_place USING btree (uai, account);

CREATE INDEX directory_retired_identifier_account ON public.directory_retired_identifier USING btree (account);

CREATE INDEX faq_vote_slug ON public.faq_vote USING btree (slug);

CREATE INDEX follow_token_ticket ON public.follow_token USING btree (ticket);

CREATE INDEX incident_academie ON public.incident USING btree (academie);

CREATE INDEX letter_delivery_ticket ON public.letter_delivery USING btree (ticket);

CREATE INDEX letter_delivery_uai ON public.letter_delivery USING btree (uai);

CREATE INDEX outbox_mail_due ON public.outbox_mail USING btree (status, next_attempt_at);

CREATE INDEX outbox_mail_ticket_reference ON public.outbox_mail USING btree (ticket_reference);

CREATE INDEX password_reset_user ON public.password_reset USING btree ("user");

CREATE INDEX sla_target_academie ON public.sla_target USING btree (academie);

CREATE UNIQUE INDEX sla_target_key ON public.sla_target USING btree (academie, category);

CREATE INDEX staff_user_academie ON public.staff_user USING btree (academie);

CREATE INDEX ticket_academie ON public.ticket USING btree (academie);

CREATE INDEX ticket_academie_created ON public.ticket USING btree (academie, created_at, id);

CREATE INDEX ticket_academie_due ON public.ticket USING btree (academie, sla_due_at, id);

CREATE INDEX ticket_assignee_id ON public.ticket USING btree (assignee_id);

CREATE INDEX ticket_event_ticket ON public.ticket_event USING btree (ticket);

CREATE INDEX ticket_incident_id ON public.ticket USING btree (incident_id);

CREATE INDEX ticket_queue ON public.ticket USING btree (academie, status, created_at, id);

CREATE INDEX ticket_requester_email ON public.ticket USING btree (requester_email);

CREATE UNIQUE INDEX ticket_sequence_key ON public.ticket_sequence USING btree (academie, year);

CREATE INDEX transmission_ticket ON public.transmission USING btree (ticket);

CREATE INDEX transmission_uai ON public.transmission USING btree (uai);

ALTER TABLE ONLY public.account_change
    ADD CONSTRAINT account_change_ticket_fkey FOREIGN KEY (ticket) REFERENCES public.ticket(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.anomaly_ticket
    ADD CONSTRAINT anomaly_ticket_ticket_fkey FOREIGN KEY (ticket) REFERENCES public.ticket(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.api_token
    ADD CONSTRAINT api_token_user_fkey FOREIGN KEY ("user") REFERENCES public.staff_user(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.attachment
    ADD CONSTRAINT attachment_event_fkey FOREIGN KEY (event) REFERENCES public.ticket_event(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.attachment
    ADD CONSTRAINT attachment_ticket_fkey FOREIGN KEY (ticket) REFERENCES public.ticket(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.directory_link
    ADD CONSTRAINT directory_link_eleve_fkey FOREIGN KEY (eleve) REFERENCES public.directory_account(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.directory_link
    ADD CONSTRAINT directory_link_responsable_fkey FOREIGN KEY (responsable) REFERENCES public.directory_account(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.directory_mail_confirmation
    ADD CONSTRAINT directory_mail_confirmation_account_fkey FOREIGN KEY (account) REFERENCES public.directory_account(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.directory_pending_change
    ADD CONSTRAINT directory_pending_change_account_fkey FOREIGN KEY (account) REFERENCES public.directory_account(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.directory_place
    ADD CONSTRAINT directory_place_account_fkey FOREIGN KEY (account) REFERENCES public.directory_account(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.directory_retired_identifier
    ADD CONSTRAINT directory_retired_identifier_account_fkey FOREIGN KEY (account) REFERENCES public.directory_account(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.follow_token
    ADD CONSTRAINT follow_token_ticket_fkey FOREIGN KEY (ticket) REFERENCES public.ticket(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.idempotency_key
    ADD CONSTRAINT idempotency_key_ticket_fkey FOREIGN KEY (ticket) REFERENCES public.ticket(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.letter_delivery
    ADD CONSTRAINT letter_delivery_attachment_fkey FOREIGN KEY (attachment) REFERENCES public.attachment(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.letter_delivery
    ADD CONSTRAINT letter_delivery_ticket_fkey FOREIGN KEY (ticket) REFERENCES public.ticket(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.password_reset
    ADD CONSTRAINT password_reset_user_fkey FOREIGN KEY ("user") REFERENCES public.staff_user(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.ticket_event
    ADD CONSTRAINT ticket_event_ticket_fkey FOREIGN KEY (ticket) REFERENCES public.ticket(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.ticket
    ADD CONSTRAINT ticket_parent_ticket_fkey FOREIGN KEY (parent_ticket) REFERENCES public.ticket(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.transmission
    ADD CONSTRAINT transmission_ticket_fkey FOREIGN KEY (ticket) REFERENCES public.ticket(id) ON UPDATE CASCADE ON DELETE CASCADE;

