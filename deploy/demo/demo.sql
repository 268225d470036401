-- The airline demo database the seed imports (Postgres Pro "demo", 2016 layout: 8 tables and the
-- flights_v view), generated here instead of downloaded: same tables, columns, keys and checks, in
-- schema public, with deterministic rows (a few MB). deploy/cluster loads it in one transaction.
--
-- "Now" for the data is 2017-08-15 18:00 Moscow time, as in the original: earlier flights have
-- arrived, later ones are scheduled.

SET client_min_messages = warning;

CREATE TABLE aircrafts (
    aircraft_code char(3) PRIMARY KEY,
    model         text    NOT NULL,
    range         integer NOT NULL CHECK (range > 0)
);
COMMENT ON TABLE aircrafts IS 'Aircraft models; range in km';

CREATE TABLE airports (
    airport_code char(3) PRIMARY KEY,
    airport_name text             NOT NULL,
    city         text             NOT NULL,
    longitude    double precision NOT NULL,
    latitude     double precision NOT NULL,
    timezone     text             NOT NULL
);
COMMENT ON TABLE airports IS 'Airports';

CREATE TABLE seats (
    aircraft_code   char(3)     NOT NULL REFERENCES aircrafts ON DELETE CASCADE,
    seat_no         varchar(4)  NOT NULL,
    fare_conditions varchar(10) NOT NULL
        CHECK (fare_conditions IN ('Economy', 'Comfort', 'Business')),
    PRIMARY KEY (aircraft_code, seat_no)
);
COMMENT ON TABLE seats IS 'Seat layout of each aircraft model';

CREATE TABLE flights (
    flight_id           serial      PRIMARY KEY,
    flight_no           char(6)     NOT NULL,
    scheduled_departure timestamptz NOT NULL,
    scheduled_arrival   timestamptz NOT NULL,
    departure_airport   char(3)     NOT NULL REFERENCES airports,
    arrival_airport     char(3)     NOT NULL REFERENCES airports,
    status              varchar(20) NOT NULL
        CHECK (status IN ('On Time', 'Delayed', 'Departed', 'Arrived', 'Scheduled', 'Cancelled')),
    aircraft_code       char(3)     NOT NULL REFERENCES aircrafts,
    actual_departure    timestamptz,
    actual_arrival      timestamptz,
    UNIQUE (flight_no, scheduled_departure),
    CHECK (scheduled_arrival > scheduled_departure),
    CHECK (actual_arrival IS NULL
           OR (actual_departure IS NOT NULL AND actual_arrival > actual_departure))
);
COMMENT ON TABLE flights IS 'Flights';

CREATE TABLE bookings (
    book_ref     char(6)       PRIMARY KEY,
    book_date    timestamptz   NOT NULL,
    total_amount numeric(10,2) NOT NULL
);
COMMENT ON TABLE bookings IS 'Bookings';

CREATE TABLE tickets (
    ticket_no      char(13)    PRIMARY KEY,
    book_ref       char(6)     NOT NULL REFERENCES bookings,
    passenger_id   varchar(20) NOT NULL,
    passenger_name text        NOT NULL,
    contact_data   jsonb
);
COMMENT ON TABLE tickets IS 'Tickets';

CREATE TABLE ticket_flights (
    ticket_no       char(13)      NOT NULL REFERENCES tickets,
    flight_id       integer       NOT NULL REFERENCES flights,
    fare_conditions varchar(10)   NOT NULL
        CHECK (fare_conditions IN ('Economy', 'Comfort', 'Business')),
    amount          numeric(10,2) NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (ticket_no, flight_id)
);
COMMENT ON TABLE ticket_flights IS 'Flight segments of each ticket';

CREATE TABLE boarding_passes (
    ticket_no   char(13)   NOT NULL,
    flight_id   integer    NOT NULL,
    boarding_no integer    NOT NULL,
    seat_no     varchar(4) NOT NULL,
    PRIMARY KEY (ticket_no, flight_id),
    FOREIGN KEY (ticket_no, flight_id) REFERENCES ticket_flights,
    UNIQUE (flight_id, boarding_no),
    UNIQUE (flight_id, seat_no)
);
COMMENT ON TABLE boarding_passes IS 'Boarding passes';

CREATE VIEW flights_v AS
SELECT f.flight_id,
       f.flight_no,
       f.scheduled_departure,
       timezone(dep.timezone, f.scheduled_departure) AS scheduled_departure_local,
       f.scheduled_arrival,
       timezone(arr.timezone, f.scheduled_arrival) AS scheduled_arrival_local,
       f.scheduled_arrival - f.scheduled_departure AS scheduled_duration,
       f.departure_airport,
       dep.airport_name AS departure_airport_name,
       dep.city AS departure_city,
       f.arrival_airport,
       arr.airport_name AS arrival_airport_name,
       arr.city AS arrival_city,
       f.status,
       f.aircraft_code,
       f.actual_departure,
       timezone(dep.timezone, f.actual_departure) AS actual_departure_local,
       f.actual_arrival,
       timezone(arr.timezone, f.actual_arrival) AS actual_arrival_local,
       f.actual_arrival - f.actual_departure AS actual_duration
  FROM flights f
  JOIN airports dep ON dep.airport_code = f.departure_airport
  JOIN airports arr ON arr.airport_code = f.arrival_airport;
COMMENT ON VIEW flights_v IS 'Flights with airport names and local times';

-- Reference data: the demo's aircraft models and a subset of its airports.
INSERT INTO aircrafts VALUES
    ('773', 'Boeing 777-300',      11100),
    ('763', 'Boeing 767-300',       7900),
    ('SU9', 'Sukhoi Superjet-100',  3000),
    ('320', 'Airbus A320-200',      5700),
    ('321', 'Airbus A321-200',      5600),
    ('319', 'Airbus A319-100',      6700),
    ('733', 'Boeing 737-300',       4200),
    ('CN1', 'Cessna 208 Caravan',   1200),
    ('CR2', 'Bombardier CRJ-200',   2700);

INSERT INTO airports VALUES
    ('DME', 'Domodedovo International',  'Moscow',           37.906111, 55.408611, 'Europe/Moscow'),
    ('SVO', 'Sheremetyevo International', 'Moscow',          37.414589, 55.972642, 'Europe/Moscow'),
    ('VKO', 'Vnukovo International',     'Moscow',           37.261486, 55.591531, 'Europe/Moscow'),
    ('LED', 'Pulkovo',                   'St. Petersburg',   30.262503, 59.800292, 'Europe/Moscow'),
    ('KZN', 'Kazan International',       'Kazan',            49.278728, 55.606186, 'Europe/Moscow'),
    ('GOJ', 'Strigino',                  'Nizhniy Novgorod', 43.784042, 56.230119, 'Europe/Moscow'),
    ('VOZ', 'Voronezh International',    'Voronezh',         39.229589, 51.814211, 'Europe/Moscow'),
    ('KRR', 'Krasnodar International',   'Krasnodar',        39.170517, 45.034689, 'Europe/Moscow'),
    ('AER', 'Sochi International',       'Sochi',            39.956589, 43.449928, 'Europe/Moscow'),
    ('ROV', 'Rostov-on-Don',             'Rostov',           39.818089, 47.258208, 'Europe/Moscow'),
    ('MRV', 'Mineralnyye Vody',          'Mineralnye Vody',  43.081889, 44.225072, 'Europe/Moscow'),
    ('MMK', 'Murmansk',                  'Murmansk',         32.750822, 68.781672, 'Europe/Moscow'),
    ('ARH', 'Talagi',                    'Arkhangelsk',      40.716667, 64.600281, 'Europe/Moscow'),
    ('KGD', 'Khrabrovo',                 'Kaliningrad',      20.592633, 54.890050, 'Europe/Kaliningrad'),
    ('KUF', 'Kurumoch',                  'Samara',           50.164343, 53.504858, 'Europe/Samara'),
    ('SVX', 'Koltsovo',                  'Yekaterinburg',    60.802728, 56.743108, 'Asia/Yekaterinburg'),
    ('UFA', 'Ufa International',         'Ufa',              55.874417, 54.557511, 'Asia/Yekaterinburg'),
    ('PEE', 'Bolshoye Savino',           'Perm',             56.021214, 57.914517, 'Asia/Yekaterinburg'),
    ('CEK', 'Chelyabinsk Balandino',     'Chelyabinsk',      61.503333, 55.305836, 'Asia/Yekaterinburg'),
    ('TJM', 'Roshchino International',   'Tyumen',           65.324272, 57.189567, 'Asia/Yekaterinburg'),
    ('OMS', 'Omsk Tsentralny',           'Omsk',             73.310514, 54.967031, 'Asia/Omsk'),
    ('OVB', 'Tolmachevo',                'Novosibirsk',      82.650656, 55.012622, 'Asia/Novosibirsk'),
    ('BAX', 'Barnaul',                   'Barnaul',          83.538414, 53.363775, 'Asia/Krasnoyarsk'),
    ('TOF', 'Bogashevo',                 'Tomsk',            85.208333, 56.380278, 'Asia/Krasnoyarsk'),
    ('KJA', 'Yemelyanovo',               'Krasnoyarsk',      92.493278, 56.180000, 'Asia/Krasnoyarsk'),
    ('IKT', 'Irkutsk',                   'Irkutsk',         104.388975, 52.268028, 'Asia/Irkutsk'),
    ('YKS', 'Yakutsk',                   'Yakutsk',         129.770639, 62.093250, 'Asia/Yakutsk'),
    ('KHV', 'Khabarovsk-Novyy',          'Khabarovsk',      135.188361, 48.528044, 'Asia/Vladivostok'),
    ('VVO', 'Vladivostok International', 'Vladivostok',     132.148017, 43.398953, 'Asia/Vladivostok'),
    ('PKC', 'Yelizovo',                  'Petropavlovsk',   158.453669, 53.167889, 'Asia/Kamchatka');

-- Seat layouts: rows first_row .. first_row+nrows-1, one seat per letter.
INSERT INTO seats (aircraft_code, seat_no, fare_conditions)
SELECT l.aircraft_code, (l.first_row + r - 1)::text || substr(l.letters, i, 1), l.fare_conditions
  FROM (VALUES ('773', 'Business',  1,  5, 'ACDGHK'),
               ('773', 'Comfort',   6,  6, 'ABCDEFGHK'),
               ('773', 'Economy',  12, 36, 'ABCDEFGHK'),
               ('763', 'Business',  1,  5, 'ACDGHK'),
               ('763', 'Economy',   6, 28, 'ABCDEFG'),
               ('SU9', 'Business',  1,  3, 'ACDF'),
               ('SU9', 'Economy',   4, 17, 'ACDEF'),
               ('320', 'Business',  1,  5, 'ACDF'),
               ('320', 'Economy',   6, 20, 'ABCDEF'),
               ('321', 'Business',  1,  7, 'ACDF'),
               ('321', 'Economy',   8, 24, 'ABCDEF'),
               ('319', 'Business',  1,  5, 'ACDF'),
               ('319', 'Economy',   6, 16, 'ABCDEF'),
               ('733', 'Business',  1,  3, 'ACDF'),
               ('733', 'Economy',   4, 20, 'ABCDEF'),
               ('CN1', 'Economy',   1,  6, 'AB'),
               ('CR2', 'Economy',   1, 13, 'ABCD'))
       AS l (aircraft_code, fare_conditions, first_row, nrows, letters)
 CROSS JOIN LATERAL generate_series(1, l.nrows) AS r
 CROSS JOIN LATERAL generate_series(1, length(l.letters)) AS i;

-- 80 routes between distinct airports, each flown once a day for 61 days; the aircraft is one
-- whose range covers the great-circle distance, the duration follows from the distance.
CREATE TEMP TABLE routes ON COMMIT DROP AS
WITH ap AS (
    SELECT airport_code, longitude, latitude, row_number() OVER (ORDER BY airport_code) - 1 AS i,
           count(*) OVER () AS n
      FROM airports
), pairs AS (
    SELECT k, d.airport_code AS dep, a.airport_code AS arr,
           2 * 6371 * asin(sqrt(power(sin(radians(a.latitude - d.latitude) / 2), 2)
               + cos(radians(d.latitude)) * cos(radians(a.latitude))
                 * power(sin(radians(a.longitude - d.longitude) / 2), 2))) AS km
      FROM generate_series(1, 80) AS k
      JOIN ap d ON d.i = (k * 7) % d.n
      JOIN ap a ON a.i = (k * 7 + 1 + (k * 11) % (a.n - 1)) % a.n
)
SELECT k,
       'PG' || lpad(k::text, 4, '0') AS flight_no,
       dep, arr,
       (SELECT aircraft_code FROM aircrafts
         WHERE range >= p.km ORDER BY md5(aircraft_code || k) LIMIT 1) AS aircraft_code,
       make_interval(mins => (30 + p.km / 12)::int) AS duration,
       make_interval(hours => 3 + (k * 5) % 16, mins => (k * 17) % 60) AS departs_at
  FROM pairs p;

INSERT INTO flights (flight_no, scheduled_departure, scheduled_arrival, departure_airport,
                     arrival_airport, status, aircraft_code, actual_departure, actual_arrival)
SELECT r.flight_no, s.dep, s.dep + r.duration, r.dep, r.arr,
       CASE WHEN s.cancelled THEN 'Cancelled'
            WHEN s.dep + r.duration + s.delay <= s.now THEN 'Arrived'
            WHEN s.dep + s.delay <= s.now THEN 'Departed'
            WHEN s.dep > s.now + interval '1 day' THEN 'Scheduled'
            WHEN s.delay > interval '0' THEN 'Delayed'
            ELSE 'On Time' END,
       r.aircraft_code,
       CASE WHEN NOT s.cancelled AND s.dep + s.delay <= s.now THEN s.dep + s.delay END,
       CASE WHEN NOT s.cancelled AND s.dep + r.duration + s.delay <= s.now
            THEN s.dep + r.duration + s.delay END
  FROM routes r
 CROSS JOIN generate_series(0, 60) AS day
 CROSS JOIN LATERAL (
     SELECT timestamptz '2017-07-16 00:00+00' + make_interval(days => day) + r.departs_at AS dep,
            timestamptz '2017-08-15 18:00+03' AS now,
            (r.k + day) % 97 = 0 AS cancelled,
            make_interval(mins => CASE WHEN (r.k * day) % 11 = 0 THEN 35 ELSE (r.k + day) % 6 END) AS delay
 ) AS s
 ORDER BY s.dep, r.flight_no;

-- 10 000 bookings of 1 to 3 tickets each. book_ref: the index times an odd constant modulo 2^24
-- is a bijection, so the six hex digits are unique.
INSERT INTO bookings (book_ref, book_date, total_amount)
SELECT upper(lpad(to_hex((b * 2654435761) % 16777216), 6, '0')), timestamptz '2017-08-15 18:00+03', 0
  FROM generate_series(1, 10000) AS b;

INSERT INTO tickets (ticket_no, book_ref, passenger_id, passenger_name, contact_data)
SELECT '0005432' || lpad(n::text, 6, '0'),
       t.book_ref,
       lpad(((n * 7907) % 10000)::text, 4, '0') || ' ' || lpad(((n * 104723) % 1000000)::text, 6, '0'),
       (ARRAY['IVAN', 'ALEKSANDR', 'SERGEY', 'ANDREY', 'DMITRIY', 'ELENA', 'OLGA', 'TATYANA',
              'NATALIYA', 'IRINA', 'MIKHAIL', 'ANNA', 'VLADIMIR', 'SVETLANA', 'NIKOLAY'])[1 + n % 15]
       || ' ' ||
       (ARRAY['IVANOV', 'SMIRNOV', 'KUZNECOV', 'POPOV', 'VASILEV', 'PETROV', 'SOKOLOV', 'MIKHAYLOV',
              'NOVIKOV', 'FEDOROV', 'MOROZOV', 'VOLKOV', 'ALEKSEEV', 'LEBEDEV', 'SEMENOV',
              'EGOROV', 'PAVLOV', 'KOZLOV', 'STEPANOV', 'NIKOLAEV'])[1 + (n * 7) % 20],
       CASE WHEN n % 3 = 0
            THEN jsonb_build_object('phone', '+7' || lpad(((n::bigint * 2654435761) % 10000000000)::text, 10, '0'))
            ELSE jsonb_build_object('email', 'passenger' || n || '@example.org',
                                    'phone', '+7' || lpad(((n::bigint * 2654435761) % 10000000000)::text, 10, '0'))
       END
  FROM (SELECT row_number() OVER (ORDER BY b, seat) AS n,
               upper(lpad(to_hex((b * 2654435761) % 16777216), 6, '0')) AS book_ref
          FROM generate_series(1, 10000) AS b
         CROSS JOIN LATERAL generate_series(0, b % 3) AS seat) AS t;

-- Segments: every ticket flies one flight, every other ticket a second one. Multiplying by a
-- constant prime to the number of flights spreads passengers evenly, so each flight fits its seats;
-- the k-th passenger of a flight gets the k-th seat of the aircraft in a shuffled order.
CREATE TEMP TABLE segments ON COMMIT DROP AS
WITH nf AS (SELECT count(*) AS n FROM flights),
t AS (SELECT ticket_no, row_number() OVER (ORDER BY ticket_no) AS n FROM tickets),
seg AS (
    SELECT t.ticket_no, 1 + (t.n * 7919) % nf.n AS flight_id FROM t, nf
    UNION ALL
    SELECT t.ticket_no, 1 + (t.n * 7919 + 13) % nf.n FROM t, nf WHERE t.n % 2 = 0
), seat_order AS (
    SELECT aircraft_code, seat_no, fare_conditions,
           row_number() OVER (PARTITION BY aircraft_code ORDER BY md5(aircraft_code || seat_no)) AS k
      FROM seats
)
SELECT seg.ticket_no, seg.flight_id, so.seat_no, so.fare_conditions, f.status,
       row_number() OVER (PARTITION BY seg.flight_id ORDER BY seg.ticket_no) AS boarding_no,
       round(extract(epoch FROM f.scheduled_arrival - f.scheduled_departure) / 60 * 45
             * CASE so.fare_conditions WHEN 'Business' THEN 3 WHEN 'Comfort' THEN 1.6 ELSE 1 END,
             -2) AS amount
  FROM (SELECT seg.*, row_number() OVER (PARTITION BY flight_id ORDER BY ticket_no) AS k FROM seg) seg
  JOIN flights f USING (flight_id)
  JOIN seat_order so ON so.aircraft_code = f.aircraft_code AND so.k = seg.k;

INSERT INTO ticket_flights (ticket_no, flight_id, fare_conditions, amount)
SELECT ticket_no, flight_id, fare_conditions, amount FROM segments;

INSERT INTO boarding_passes (ticket_no, flight_id, boarding_no, seat_no)
SELECT ticket_no, flight_id, boarding_no, seat_no
  FROM segments WHERE status IN ('Departed', 'Arrived');

-- A booking is made 1 to 30 days before its earliest flight (and before "now") and costs the sum
-- of its segments.
UPDATE bookings b
   SET total_amount = s.total,
       book_date = least(s.first_departure - make_interval(days => 1 + abs(hashtext(b.book_ref)) % 30),
                         timestamptz '2017-08-15 18:00+03')
                   - make_interval(secs => abs(hashtext(b.book_ref)) % 86400)
  FROM (SELECT t.book_ref, sum(tf.amount) AS total, min(f.scheduled_departure) AS first_departure
          FROM tickets t
          JOIN ticket_flights tf USING (ticket_no)
          JOIN flights f USING (flight_id)
         GROUP BY t.book_ref) AS s
 WHERE s.book_ref = b.book_ref;

CREATE INDEX ON flights (departure_airport, scheduled_departure);
CREATE INDEX ON flights (arrival_airport, scheduled_arrival);
CREATE INDEX ON tickets (book_ref);
CREATE INDEX ON ticket_flights (flight_id);

ANALYZE;
