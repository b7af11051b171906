-- WooCommerce's tables as WooCommerce 7.9 creates them (HPOS and the tables
-- breachdrill's seeder and scenarios touch), for stacks without the plugin.
-- Source: shared reference notes on WooCommerce's schema.
CREATE TABLE IF NOT EXISTS {{prefix}}wc_orders (
  id bigint(20) unsigned NOT NULL,
  status varchar(20) NULL,
  currency varchar(10) NULL,
  type varchar(20) NULL,
  tax_amount decimal(26,8) NULL,
  total_amount decimal(26,8) NULL,
  customer_id bigint(20) unsigned NULL,
  billing_email varchar(320) NULL,
  date_created_gmt datetime NULL,
  date_updated_gmt datetime NULL,
  parent_order_id bigint(20) unsigned NULL,
  payment_method varchar(100) NULL,
  payment_method_title text NULL,
  transaction_id varchar(100) NULL,
  ip_address varchar(100) NULL,
  user_agent text NULL,
  customer_note text NULL,
  PRIMARY KEY (id),
  KEY status (status),
  KEY date_created (date_created_gmt),
  KEY customer_id_billing_email (customer_id, billing_email(171)),
  KEY billing_email (billing_email(191)),
  KEY type_status_date (type, status, date_created_gmt),
  KEY parent_order_id (parent_order_id),
  KEY date_updated (date_updated_gmt)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE IF NOT EXISTS {{prefix}}wc_order_addresses (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  order_id bigint(20) unsigned NOT NULL,
  address_type varchar(20) NULL,
  first_name text NULL,
  last_name text NULL,
  company text NULL,
  address_1 text NULL,
  address_2 text NULL,
  city text NULL,
  state text NULL,
  postcode text NULL,
  country text NULL,
  email varchar(320) NULL,
  phone varchar(100) NULL,
  PRIMARY KEY (id),
  KEY order_id (order_id),
  UNIQUE KEY address_type_order_id (address_type, order_id),
  KEY email (email(191)),
  KEY phone (phone)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE IF NOT EXISTS {{prefix}}wc_order_operational_data (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  order_id bigint(20) unsigned NULL,
  created_via varchar(100) NULL,
  woocommerce_version varchar(20) NULL,
  prices_include_tax tinyint(1) NULL,
  coupon_usages_are_counted tinyint(1) NULL,
  download_permission_granted tinyint(1) NULL,
  cart_hash varchar(100) NULL,
  new_order_email_sent tinyint(1) NULL,
  order_key varchar(100) NULL,
  order_stock_reduced tinyint(1) NULL,
  date_paid_gmt datetime NULL,
  date_completed_gmt datetime NULL,
  shipping_tax_amount decimal(26,8) NULL,
  shipping_total_amount decimal(26,8) NULL,
  discount_tax_amount decimal(26,8) NULL,
  discount_total_amount decimal(26,8) NULL,
  recorded_sales tinyint(1) NULL,
  PRIMARY KEY (id),
  UNIQUE KEY order_id (order_id),
  KEY order_key (order_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE IF NOT EXISTS {{prefix}}wc_orders_meta (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  order_id bigint(20) unsigned NULL,
  meta_key varchar(255) NULL,
  meta_value text NULL,
  PRIMARY KEY (id),
  KEY meta_key_value (meta_key(100), meta_value(82)),
  KEY order_id_meta_key_meta_value (order_id, meta_key(100), meta_value(82))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE IF NOT EXISTS {{prefix}}woocommerce_order_items (
  order_item_id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  order_item_name text NOT NULL,
  order_item_type varchar(200) NOT NULL DEFAULT '',
  order_id bigint(20) unsigned NOT NULL,
  PRIMARY KEY (order_item_id),
  KEY order_id (order_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE IF NOT EXISTS {{prefix}}woocommerce_order_itemmeta (
  meta_id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  order_item_id bigint(20) unsigned NOT NULL,
  meta_key varchar(255) NULL,
  meta_value longtext NULL,
  PRIMARY KEY (meta_id),
  KEY order_item_id (order_item_id),
  KEY meta_key (meta_key(32))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE IF NOT EXISTS {{prefix}}woocommerce_payment_tokens (
  token_id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  gateway_id varchar(200) NOT NULL,
  token text NOT NULL,
  user_id bigint(20) unsigned NOT NULL DEFAULT 0,
  type varchar(200) NOT NULL,
  is_default tinyint(1) NOT NULL DEFAULT 0,
  PRIMARY KEY (token_id),
  KEY user_id (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE IF NOT EXISTS {{prefix}}woocommerce_payment_tokenmeta (
  meta_id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  payment_token_id bigint(20) unsigned NOT NULL,
  meta_key varchar(255) NULL,
  meta_value longtext NULL,
  PRIMARY KEY (meta_id),
  KEY payment_token_id (payment_token_id),
  KEY meta_key (meta_key(32))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE IF NOT EXISTS {{prefix}}woocommerce_sessions (
  session_id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  session_key char(32) NOT NULL,
  session_value longtext NOT NULL,
  session_expiry bigint(20) unsigned NOT NULL,
  PRIMARY KEY (session_id),
  UNIQUE KEY session_key (session_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE IF NOT EXISTS {{prefix}}woocommerce_api_keys (
  key_id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  user_id bigint(20) unsigned NOT NULL,
  description varchar(200) NULL,
  permissions varchar(10) NOT NULL,
  consumer_key char(64) NOT NULL,
  consumer_secret char(43) NOT NULL,
  nonces longtext NULL,
  truncated_key char(7) NOT NULL,
  last_access datetime NULL,
  PRIMARY KEY (key_id),
  KEY consumer_key (consumer_key),
  KEY consumer_secret (consumer_secret)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE IF NOT EXISTS {{prefix}}wc_customer_lookup (
  customer_id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  user_id bigint(20) unsigned NULL,
  username varchar(60) NOT NULL DEFAULT '',
  first_name varchar(255) NOT NULL,
  last_name varchar(255) NOT NULL,
  email varchar(100) NULL,
  date_last_active timestamp NULL,
  date_registered timestamp NULL,
  country char(2) NOT NULL DEFAULT '',
  postcode varchar(20) NOT NULL DEFAULT '',
  city varchar(100) NOT NULL DEFAULT '',
  state varchar(100) NOT NULL DEFAULT '',
  PRIMARY KEY (customer_id),
  UNIQUE KEY user_id (user_id),
  KEY email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
