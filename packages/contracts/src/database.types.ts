export type Json = string | number | boolean | null | { [key: string]: Json | undefined } | Json[]

export type Database = {
  
  "analytics": {
          Tables: {
            [_ in never]: never
          }
          Views: {
            "lead_attribution": {
                  Row: {
                    "captured_at": string,"company_id": string,"first_campaign": string | null,"first_channel": string | null,"first_medium": string | null,"first_source": string | null,"first_touch_id": string | null,"last_campaign": string | null,"last_channel": string | null,"last_medium": string | null,"last_non_direct_campaign": string | null,"last_non_direct_channel": string | null,"last_non_direct_medium": string | null,"last_non_direct_source": string | null,"last_non_direct_touch_id": string | null,"last_source": string | null,"last_touch_id": string | null,"lead_id": string,"touches": number | null
                  }
                  ComputedFields: never
                  Relationships: [
                    
                  ]
                },"lead_touch_credit": {
                  Row: {
                    "channel": string,"company_id": string,"is_first": boolean | null,"is_last": boolean | null,"is_last_non_direct": boolean | null,"lead_id": string | null,"linear_credit": number | null,"page_id": string | null,"position_credit": number | null,"session_id": string,"touch_id": string,"touch_position": number | null,"touched_at": string,"touches": number | null,"utm_campaign": string | null,"utm_content": string | null,"utm_medium": string | null,"utm_source": string | null,"utm_term": string | null
                  }
                  ComputedFields: never
                  Relationships: [
                    {
      foreignKeyName: "lead_belongs_to_company"
      columns: ["company_id","lead_id"]
isOneToOne: false
      referencedRelation: "lead_attribution"
      referencedColumns: ["company_id","lead_id"]
    }
                  ]
                },"meta_attributed_leads": {
                  Row: {
                    "ad_id": string | null,"adset_id": string | null,"campaign_id": string | null,"captured_at": string | null,"company_id": string | null,"is_won": boolean | null,"lead_id": string | null,"revenue": number | null,"source": string | null,"source_id": string | null,"won_at": string | null
                  }
                  ComputedFields: never
                  Relationships: [
                    
                  ]
                }
          }
          Functions: {
            "ab_test_results":
{ Args: { "ab_test_id": string }; Returns: {
              "ci_high": number,"ci_low": number,"conversion_rate": number,"conversions": number,"is_control": boolean,"lift": number,"page_id": string,"page_name": string,"page_variant": string,"sessions": number,"significant": boolean,"won": number,"won_revenue": number,"z_score": number
            }[]
                           },
"daily_web_traffic":
{ Args: { "domain_id"?: string,"from_date"?: string,"to_date"?: string }; Returns: {
              "day": string,"leads": number,"sessions": number
            }[]
                           },
"meta_id":
{ Args: { "value": string }; Returns: string
                           },
"meta_roi":
{ Args: { "from_date": string,"level"?: string,"to_date": string }; Returns: {
              "adset_id": string,"adset_name": string,"campaign_id": string,"campaign_name": string,"clicks": number,"conversions": number,"cpa": number,"cpl": number,"id": string,"impressions": number,"leads": number,"name": string,"never_attributed": boolean,"revenue": number,"roas": number,"spend": number,"web_leads": number,"whatsapp_leads": number
            }[]
                           },
"meta_roi_daily":
{ Args: { "from_date": string,"to_date": string }; Returns: {
              "clicks": number,"conversions": number,"day": string,"impressions": number,"leads": number,"revenue": number,"spend": number
            }[]
                           },
"meta_roi_totals":
{ Args: { "from_date": string,"level"?: string,"to_date": string }; Returns: {
              "conversions": number,"leads": number,"revenue": number,"row_count": number,"spend": number
            }[]
                           },
"utm_performance":
{ Args: { "campaign"?: string,"domain_id"?: string,"from_date"?: string,"medium"?: string,"model"?: string,"source"?: string,"to_date"?: string }; Returns: {
              "leads": number,"qualified": number,"sessions": number,"utm_campaign": string,"utm_content": string,"utm_medium": string,"utm_source": string,"utm_term": string,"won": number,"won_revenue": number
            }[]
                           }
          }
          Enums: {
            [_ in never]: never
          }
          CompositeTypes: {
            [_ in never]: never
          }
        },"core": {
          Tables: {
            "companies": {
                  Row: {
                    "created_at": string,"default_currency": string,"default_locale": string,"id": string,"name": string,"slug": string,"time_zone": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"default_currency"?: string,"default_locale"?: string,"id"?: string,"name": string,"slug": string,"time_zone"?: string,"updated_at"?: string
                  }
                  Update: {
                    "created_at"?: string,"default_currency"?: string,"default_locale"?: string,"id"?: string,"name"?: string,"slug"?: string,"time_zone"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    
                  ]
                },"company_members": {
                  Row: {
                    "company_id": string,"created_at": string,"is_default": boolean,"role": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "company_id": string,"created_at"?: string,"is_default"?: boolean,"role": string,"user_id": string
                  }
                  Update: {
                    "company_id"?: string,"created_at"?: string,"is_default"?: boolean,"role"?: string,"user_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "company_members_company_id_fkey"
      columns: ["company_id"]
isOneToOne: false
      referencedRelation: "companies"
      referencedColumns: ["id"]
    }
                  ]
                },"user_profiles": {
                  Row: {
                    "locale": string | null,"updated_at": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "locale"?: string | null,"updated_at"?: string,"user_id": string
                  }
                  Update: {
                    "locale"?: string | null,"updated_at"?: string,"user_id"?: string
                  }
                  Relationships: [
                    
                  ]
                }
          }
          Views: {
            [_ in never]: never
          }
          Functions: {
            "_is_time_zone":
{ Args: { "name": string }; Returns: boolean
                           },
"company_day":
{ Args: { "company_id": string,"ts": string }; Returns: string
                           },
"current_company_id":
{ Args: Record<PropertyKey, never>; Returns: string
                           },
"current_company_role":
{ Args: Record<PropertyKey, never>; Returns: string
                           },
"has_company_role":
{ Args: { "roles": (string)[] }; Returns: boolean
                           },
"is_company_admin":
{ Args: Record<PropertyKey, never>; Returns: boolean
                           },
"is_company_editor":
{ Args: Record<PropertyKey, never>; Returns: boolean
                           },
"is_company_manager":
{ Args: Record<PropertyKey, never>; Returns: boolean
                           },
"member_directory":
{ Args: Record<PropertyKey, never>; Returns: {
              "email": string,"role": string,"user_id": string
            }[]
                           },
"my_companies":
{ Args: Record<PropertyKey, never>; Returns: {
              "company_id": string,"is_default": boolean,"name": string,"role": string
            }[]
                           },
"my_console_settings":
{ Args: Record<PropertyKey, never>; Returns: {
              "company_default_locale": string,"currency": string,"locale": string,"time_zone": string
            }[]
                           },
"set_my_locale":
{ Args: { "locale": string }; Returns: undefined
                           },
"switch_company":
{ Args: { "target_company_id": string }; Returns: undefined
                           }
          }
          Enums: {
            [_ in never]: never
          }
          CompositeTypes: {
            [_ in never]: never
          }
        },"core_marketing": {
          Tables: {
            "attribution_windows": {
                  Row: {
                    "click_window_days": number,"company_id": string,"platform": string,"require_click_id": boolean,"updated_at": string,"upload_limit_days": number | null
                  }
                  ComputedFields: never
                  Insert: {
                    "click_window_days": number,"company_id": string,"platform": string,"require_click_id"?: boolean,"updated_at"?: string,"upload_limit_days"?: number | null
                  }
                  Update: {
                    "click_window_days"?: number,"company_id"?: string,"platform"?: string,"require_click_id"?: boolean,"updated_at"?: string,"upload_limit_days"?: number | null
                  }
                  Relationships: [
                    
                  ]
                },"conversion_callbacks": {
                  Row: {
                    "callback_id": string,"company_id": string,"delivery_id": string,"error": string | null,"id": number,"outcome": string,"platform_account_id": string,"received_at": string,"reference": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "callback_id": string,"company_id": string,"delivery_id": string,"error"?: string | null,"id"?: never,"outcome": string,"platform_account_id": string,"received_at"?: string,"reference"?: string | null
                  }
                  Update: {
                    "callback_id"?: string,"company_id"?: string,"delivery_id"?: string,"error"?: string | null,"id"?: never,"outcome"?: string,"platform_account_id"?: string,"received_at"?: string,"reference"?: string | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "account_belongs_to_company"
      columns: ["company_id","platform_account_id"]
isOneToOne: false
      referencedRelation: "platform_accounts"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"conversion_deliveries": {
                  Row: {
                    "attempts": number,"click_id": string | null,"clicked_at": string | null,"company_id": string,"conversion_id": string,"created_at": string,"id": string,"last_error": string | null,"last_status_code": number | null,"next_attempt_at": string | null,"pixel_config_id": string | null,"platform": string,"platform_account_id": string | null,"platform_trace_id": string | null,"queued_at": string | null,"sent_at": string | null,"skip_reason": string | null,"status": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "attempts"?: number,"click_id"?: string | null,"clicked_at"?: string | null,"company_id": string,"conversion_id": string,"created_at"?: string,"id"?: string,"last_error"?: string | null,"last_status_code"?: number | null,"next_attempt_at"?: string | null,"pixel_config_id"?: string | null,"platform": string,"platform_account_id"?: string | null,"platform_trace_id"?: string | null,"queued_at"?: string | null,"sent_at"?: string | null,"skip_reason"?: string | null,"status": string,"updated_at"?: string
                  }
                  Update: {
                    "attempts"?: number,"click_id"?: string | null,"clicked_at"?: string | null,"company_id"?: string,"conversion_id"?: string,"created_at"?: string,"id"?: string,"last_error"?: string | null,"last_status_code"?: number | null,"next_attempt_at"?: string | null,"pixel_config_id"?: string | null,"platform"?: string,"platform_account_id"?: string | null,"platform_trace_id"?: string | null,"queued_at"?: string | null,"sent_at"?: string | null,"skip_reason"?: string | null,"status"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "account_belongs_to_company"
      columns: ["company_id","platform_account_id"]
isOneToOne: false
      referencedRelation: "platform_accounts"
      referencedColumns: ["company_id","id"]
    },{
      foreignKeyName: "conversion_belongs_to_company"
      columns: ["company_id","conversion_id"]
isOneToOne: false
      referencedRelation: "conversion_sync_status"
      referencedColumns: ["company_id","conversion_id"]
    },{
      foreignKeyName: "conversion_belongs_to_company"
      columns: ["company_id","conversion_id"]
isOneToOne: false
      referencedRelation: "conversions"
      referencedColumns: ["company_id","id"]
    },{
      foreignKeyName: "pixel_belongs_to_company"
      columns: ["company_id","pixel_config_id"]
isOneToOne: false
      referencedRelation: "pixel_config_details"
      referencedColumns: ["company_id","id"]
    },{
      foreignKeyName: "pixel_belongs_to_company"
      columns: ["company_id","pixel_config_id"]
isOneToOne: false
      referencedRelation: "pixel_configs"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"conversion_mappings": {
                  Row: {
                    "business_event": string,"company_id": string,"conversion_name": string,"google_conversion_action_id": string | null,"is_active": boolean,"linkedin_rule_id": string | null,"meta_event_name": string | null,"pixel_config_id": string | null,"send_to_webhook": boolean,"send_value": boolean,"skip_duplicates": boolean,"tiktok_event_name": string | null,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "business_event": string,"company_id": string,"conversion_name": string,"google_conversion_action_id"?: string | null,"is_active"?: boolean,"linkedin_rule_id"?: string | null,"meta_event_name"?: string | null,"pixel_config_id"?: string | null,"send_to_webhook"?: boolean,"send_value"?: boolean,"skip_duplicates"?: boolean,"tiktok_event_name"?: string | null,"updated_at"?: string
                  }
                  Update: {
                    "business_event"?: string,"company_id"?: string,"conversion_name"?: string,"google_conversion_action_id"?: string | null,"is_active"?: boolean,"linkedin_rule_id"?: string | null,"meta_event_name"?: string | null,"pixel_config_id"?: string | null,"send_to_webhook"?: boolean,"send_value"?: boolean,"skip_duplicates"?: boolean,"tiktok_event_name"?: string | null,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "pixel_belongs_to_company"
      columns: ["company_id","pixel_config_id"]
isOneToOne: false
      referencedRelation: "pixel_config_details"
      referencedColumns: ["company_id","id"]
    },{
      foreignKeyName: "pixel_belongs_to_company"
      columns: ["company_id","pixel_config_id"]
isOneToOne: false
      referencedRelation: "pixel_configs"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"conversion_sources": {
                  Row: {
                    "context_view": string | null,"description": string,"lead_column": string | null,"source_table": string
                  }
                  ComputedFields: never
                  Insert: {
                    "context_view"?: string | null,"description": string,"lead_column"?: string | null,"source_table": string
                  }
                  Update: {
                    "context_view"?: string | null,"description"?: string,"lead_column"?: string | null,"source_table"?: string
                  }
                  Relationships: [
                    
                  ]
                },"conversions": {
                  Row: {
                    "business_event": string,"client_user_agent": string | null,"company_id": string,"conversion_name": string,"created_at": string,"ctwa_clicked_at": string | null,"ctwa_clid": string | null,"currency": string | null,"email_hash": string | null,"event_id": string,"event_source_url": string | null,"external_id_hash": string | null,"fbc": string | null,"fbclid": string | null,"fbp": string | null,"gbraid": string | null,"gclid": string | null,"id": string,"lead_id": string | null,"li_fat_id": string | null,"messaging_channel": string | null,"occurred_at": string,"phone_hash": string | null,"pixel_config_id": string | null,"source_id": string,"source_table": string,"ttclid": string | null,"value": number | null,"wbraid": string | null,"whatsapp_business_account_id": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "business_event": string,"client_user_agent"?: string | null,"company_id": string,"conversion_name": string,"created_at"?: string,"ctwa_clicked_at"?: string | null,"ctwa_clid"?: string | null,"currency"?: string | null,"email_hash"?: string | null,"event_id": string,"event_source_url"?: string | null,"external_id_hash"?: string | null,"fbc"?: string | null,"fbclid"?: string | null,"fbp"?: string | null,"gbraid"?: string | null,"gclid"?: string | null,"id"?: string,"lead_id"?: string | null,"li_fat_id"?: string | null,"messaging_channel"?: string | null,"occurred_at": string,"phone_hash"?: string | null,"pixel_config_id"?: string | null,"source_id": string,"source_table": string,"ttclid"?: string | null,"value"?: number | null,"wbraid"?: string | null,"whatsapp_business_account_id"?: string | null
                  }
                  Update: {
                    "business_event"?: string,"client_user_agent"?: string | null,"company_id"?: string,"conversion_name"?: string,"created_at"?: string,"ctwa_clicked_at"?: string | null,"ctwa_clid"?: string | null,"currency"?: string | null,"email_hash"?: string | null,"event_id"?: string,"event_source_url"?: string | null,"external_id_hash"?: string | null,"fbc"?: string | null,"fbclid"?: string | null,"fbp"?: string | null,"gbraid"?: string | null,"gclid"?: string | null,"id"?: string,"lead_id"?: string | null,"li_fat_id"?: string | null,"messaging_channel"?: string | null,"occurred_at"?: string,"phone_hash"?: string | null,"pixel_config_id"?: string | null,"source_id"?: string,"source_table"?: string,"ttclid"?: string | null,"value"?: number | null,"wbraid"?: string | null,"whatsapp_business_account_id"?: string | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "conversions_source_table_fkey"
      columns: ["source_table"]
isOneToOne: false
      referencedRelation: "conversion_sources"
      referencedColumns: ["source_table"]
    },{
      foreignKeyName: "dataset_belongs_to_company"
      columns: ["company_id","pixel_config_id"]
isOneToOne: false
      referencedRelation: "pixel_config_details"
      referencedColumns: ["company_id","id"]
    },{
      foreignKeyName: "dataset_belongs_to_company"
      columns: ["company_id","pixel_config_id"]
isOneToOne: false
      referencedRelation: "pixel_configs"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"dispatch_log": {
                  Row: {
                    "company_id": string,"created_at": string,"delivery_ids": (string)[],"duration_ms": number | null,"error": string | null,"id": number,"outcome": string,"pixel_config_id": string | null,"platform": string,"platform_account_id": string | null,"request": Json | null,"response_body": Json | null,"response_headers": Json | null,"status_code": number | null,"trace_id": string | null,"worker": string
                  }
                  ComputedFields: never
                  Insert: {
                    "company_id": string,"created_at"?: string,"delivery_ids": (string)[],"duration_ms"?: number | null,"error"?: string | null,"id"?: never,"outcome": string,"pixel_config_id"?: string | null,"platform": string,"platform_account_id"?: string | null,"request"?: Json | null,"response_body"?: Json | null,"response_headers"?: Json | null,"status_code"?: number | null,"trace_id"?: string | null,"worker": string
                  }
                  Update: {
                    "company_id"?: string,"created_at"?: string,"delivery_ids"?: (string)[],"duration_ms"?: number | null,"error"?: string | null,"id"?: never,"outcome"?: string,"pixel_config_id"?: string | null,"platform"?: string,"platform_account_id"?: string | null,"request"?: Json | null,"response_body"?: Json | null,"response_headers"?: Json | null,"status_code"?: number | null,"trace_id"?: string | null,"worker"?: string
                  }
                  Relationships: [
                    
                  ]
                },"meta_ad_accounts": {
                  Row: {
                    "account_name": string,"account_status": number | null,"ad_account_id": string,"company_id": string,"connection_id": string,"created_at": string,"currency": string | null,"id": string,"insights_backfilled_at": string | null,"insights_error": string | null,"insights_synced_at": string | null,"is_active": boolean,"pixel_id": string | null,"pixel_name": string | null,"timezone_name": string | null,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "account_name": string,"account_status"?: number | null,"ad_account_id": string,"company_id": string,"connection_id": string,"created_at"?: string,"currency"?: string | null,"id"?: string,"insights_backfilled_at"?: string | null,"insights_error"?: string | null,"insights_synced_at"?: string | null,"is_active"?: boolean,"pixel_id"?: string | null,"pixel_name"?: string | null,"timezone_name"?: string | null,"updated_at"?: string
                  }
                  Update: {
                    "account_name"?: string,"account_status"?: number | null,"ad_account_id"?: string,"company_id"?: string,"connection_id"?: string,"created_at"?: string,"currency"?: string | null,"id"?: string,"insights_backfilled_at"?: string | null,"insights_error"?: string | null,"insights_synced_at"?: string | null,"is_active"?: boolean,"pixel_id"?: string | null,"pixel_name"?: string | null,"timezone_name"?: string | null,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "connection_belongs_to_company"
      columns: ["company_id","connection_id"]
isOneToOne: false
      referencedRelation: "meta_connection_details"
      referencedColumns: ["company_id","id"]
    },{
      foreignKeyName: "connection_belongs_to_company"
      columns: ["company_id","connection_id"]
isOneToOne: false
      referencedRelation: "meta_connections"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"meta_ad_insights": {
                  Row: {
                    "ad_id": string,"adset_id": string | null,"campaign_id": string | null,"clicks": number,"company_id": string,"currency": string | null,"day": string,"impressions": number,"meta_ad_account_id": string,"spend": number,"synced_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "ad_id": string,"adset_id"?: string | null,"campaign_id"?: string | null,"clicks"?: number,"company_id": string,"currency"?: string | null,"day": string,"impressions"?: number,"meta_ad_account_id": string,"spend"?: number,"synced_at"?: string
                  }
                  Update: {
                    "ad_id"?: string,"adset_id"?: string | null,"campaign_id"?: string | null,"clicks"?: number,"company_id"?: string,"currency"?: string | null,"day"?: string,"impressions"?: number,"meta_ad_account_id"?: string,"spend"?: number,"synced_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "account_belongs_to_company"
      columns: ["company_id","meta_ad_account_id"]
isOneToOne: false
      referencedRelation: "meta_ad_accounts"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"meta_ads": {
                  Row: {
                    "account_id": string | null,"ad_id": string,"ad_name": string | null,"adset_id": string | null,"adset_name": string | null,"campaign_id": string | null,"campaign_name": string | null,"company_id": string,"fetched_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "account_id"?: string | null,"ad_id": string,"ad_name"?: string | null,"adset_id"?: string | null,"adset_name"?: string | null,"campaign_id"?: string | null,"campaign_name"?: string | null,"company_id": string,"fetched_at"?: string
                  }
                  Update: {
                    "account_id"?: string | null,"ad_id"?: string,"ad_name"?: string | null,"adset_id"?: string | null,"adset_name"?: string | null,"campaign_id"?: string | null,"campaign_name"?: string | null,"company_id"?: string,"fetched_at"?: string
                  }
                  Relationships: [
                    
                  ]
                },"meta_connections": {
                  Row: {
                    "access_token_ciphertext": string | null,"company_id": string,"connected_at": string,"connected_by": string | null,"created_at": string,"fb_user_id": string,"fb_user_name": string,"granted_scopes": (string)[],"has_access_token": boolean | null,"id": string,"status": string,"status_message": string | null,"token_expires_at": string | null,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "access_token_ciphertext"?: string | null,"company_id": string,"connected_at"?: string,"connected_by"?: string | null,"created_at"?: string,"fb_user_id": string,"fb_user_name": string,"granted_scopes"?: (string)[],"has_access_token"?: never,"id"?: string,"status"?: string,"status_message"?: string | null,"token_expires_at"?: string | null,"updated_at"?: string
                  }
                  Update: {
                    "access_token_ciphertext"?: string | null,"company_id"?: string,"connected_at"?: string,"connected_by"?: string | null,"created_at"?: string,"fb_user_id"?: string,"fb_user_name"?: string,"granted_scopes"?: (string)[],"has_access_token"?: never,"id"?: string,"status"?: string,"status_message"?: string | null,"token_expires_at"?: string | null,"updated_at"?: string
                  }
                  Relationships: [
                    
                  ]
                },"pixel_configs": {
                  Row: {
                    "access_token_ciphertext": string | null,"action_source": string,"company_id": string,"created_at": string,"domain": string | null,"graph_version": string,"has_access_token": boolean | null,"id": string,"is_active": boolean,"name": string,"pixel_id": string,"test_event_code": string | null,"token_error": string | null,"token_status": string,"token_updated_at": string | null,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "access_token_ciphertext"?: string | null,"action_source"?: string,"company_id": string,"created_at"?: string,"domain"?: string | null,"graph_version"?: string,"has_access_token"?: never,"id"?: string,"is_active"?: boolean,"name"?: string,"pixel_id": string,"test_event_code"?: string | null,"token_error"?: string | null,"token_status"?: string,"token_updated_at"?: string | null,"updated_at"?: string
                  }
                  Update: {
                    "access_token_ciphertext"?: string | null,"action_source"?: string,"company_id"?: string,"created_at"?: string,"domain"?: string | null,"graph_version"?: string,"has_access_token"?: never,"id"?: string,"is_active"?: boolean,"name"?: string,"pixel_id"?: string,"test_event_code"?: string | null,"token_error"?: string | null,"token_status"?: string,"token_updated_at"?: string | null,"updated_at"?: string
                  }
                  Relationships: [
                    
                  ]
                },"platform_accounts": {
                  Row: {
                    "account_ref": string,"company_id": string,"created_at": string,"credentials_ciphertext": string | null,"credentials_status": string,"has_credentials": boolean | null,"id": string,"is_active": boolean,"login_customer_id": string | null,"name": string,"platform": string,"status_message": string | null,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "account_ref": string,"company_id": string,"created_at"?: string,"credentials_ciphertext"?: string | null,"credentials_status"?: string,"has_credentials"?: never,"id"?: string,"is_active"?: boolean,"login_customer_id"?: string | null,"name": string,"platform": string,"status_message"?: string | null,"updated_at"?: string
                  }
                  Update: {
                    "account_ref"?: string,"company_id"?: string,"created_at"?: string,"credentials_ciphertext"?: string | null,"credentials_status"?: string,"has_credentials"?: never,"id"?: string,"is_active"?: boolean,"login_customer_id"?: string | null,"name"?: string,"platform"?: string,"status_message"?: string | null,"updated_at"?: string
                  }
                  Relationships: [
                    
                  ]
                },"whatsapp_numbers": {
                  Row: {
                    "company_id": string,"created_at": string,"display_phone_number": string | null,"id": string,"is_active": boolean,"label": string,"phone_number_id": string,"pixel_config_id": string | null,"updated_at": string,"whatsapp_business_account_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "company_id": string,"created_at"?: string,"display_phone_number"?: string | null,"id"?: string,"is_active"?: boolean,"label"?: string,"phone_number_id": string,"pixel_config_id"?: string | null,"updated_at"?: string,"whatsapp_business_account_id": string
                  }
                  Update: {
                    "company_id"?: string,"created_at"?: string,"display_phone_number"?: string | null,"id"?: string,"is_active"?: boolean,"label"?: string,"phone_number_id"?: string,"pixel_config_id"?: string | null,"updated_at"?: string,"whatsapp_business_account_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "dataset_belongs_to_company"
      columns: ["company_id","pixel_config_id"]
isOneToOne: false
      referencedRelation: "pixel_config_details"
      referencedColumns: ["company_id","id"]
    },{
      foreignKeyName: "dataset_belongs_to_company"
      columns: ["company_id","pixel_config_id"]
isOneToOne: false
      referencedRelation: "pixel_configs"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"whatsapp_settings": {
                  Row: {
                    "company_id": string,"ticket_expiration_days": number,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "company_id": string,"ticket_expiration_days"?: number,"updated_at"?: string
                  }
                  Update: {
                    "company_id"?: string,"ticket_expiration_days"?: number,"updated_at"?: string
                  }
                  Relationships: [
                    
                  ]
                }
          }
          Views: {
            "conversion_alerts": {
                  Row: {
                    "company_id": string | null,"detail": string | null,"kind": string | null,"platform": string | null,"since": string | null,"subject": string | null,"subject_id": string | null
                  }
                  ComputedFields: never
                  Relationships: [
                    
                  ]
                },"conversion_sync_status": {
                  Row: {
                    "company_id": string,"conversion_id": string,"conversion_name": string,"event_id": string,"lead_id": string | null,"occurred_at": string,"sync_status": Json | null
                  }
                  ComputedFields: never
                  Relationships: [
                    
                  ]
                },"lead_click_ids": {
                  Row: {
                    "click_id": string | null,"click_kind": string | null,"clicked_at": string | null,"company_id": string | null,"fbc": string | null,"fbp": string | null,"lead_id": string | null,"page_url": string | null,"platform": string | null,"user_agent": string | null
                  }
                  ComputedFields: never
                  Relationships: [
                    
                  ]
                },"match_quality": {
                  Row: {
                    "company_id": string,"conversions": number | null,"destination_id": string | null,"failed": number | null,"platform": string,"sent": number | null,"share_with_click_id": number | null,"share_with_email": number | null,"share_with_external_id": number | null,"share_with_fbc": number | null,"share_with_fbp": number | null,"share_with_phone": number | null,"skipped_duplicate": number | null,"skipped_no_active_pixel": number | null,"skipped_no_click_id": number | null,"skipped_outside_window": number | null,"waiting": number | null
                  }
                  ComputedFields: never
                  Relationships: [
                    
                  ]
                },"meta_connection_details": {
                  Row: {
                    "active_ad_accounts": number | null,"company_id": string,"connected_at": string,"fb_user_id": string,"fb_user_name": string,"granted_scopes": (string)[],"has_access_token": boolean | null,"id": string,"status": string | null,"status_message": string | null,"token_expires_at": string | null,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                           "active_ad_accounts"?: never,"company_id"?: string | null,"connected_at"?: string | null,"fb_user_id"?: string | null,"fb_user_name"?: string | null,"granted_scopes"?: (string)[] | null,"has_access_token"?: boolean | null,"id"?: string | null,"status"?: never,"status_message"?: never,"token_expires_at"?: string | null,"updated_at"?: string | null
                         }
                        Update: {
                           "active_ad_accounts"?: never,"company_id"?: string | null,"connected_at"?: string | null,"fb_user_id"?: string | null,"fb_user_name"?: string | null,"granted_scopes"?: (string)[] | null,"has_access_token"?: boolean | null,"id"?: string | null,"status"?: never,"status_message"?: never,"token_expires_at"?: string | null,"updated_at"?: string | null
                         }
                        Relationships: [
                    
                  ]
                },"pixel_config_details": {
                  Row: {
                    "action_source": string,"company_id": string,"created_at": string,"domain": string | null,"graph_version": string,"has_access_token": boolean | null,"id": string,"is_active": boolean,"name": string,"pixel_id": string,"test_event_code": string | null,"token_error": string | null,"token_status": string,"token_updated_at": string | null,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                           "action_source"?: string | null,"company_id"?: string | null,"created_at"?: string | null,"domain"?: string | null,"graph_version"?: string | null,"has_access_token"?: boolean | null,"id"?: string | null,"is_active"?: boolean | null,"name"?: string | null,"pixel_id"?: string | null,"test_event_code"?: string | null,"token_error"?: string | null,"token_status"?: string | null,"token_updated_at"?: string | null,"updated_at"?: string | null
                         }
                        Update: {
                           "action_source"?: string | null,"company_id"?: string | null,"created_at"?: string | null,"domain"?: string | null,"graph_version"?: string | null,"has_access_token"?: boolean | null,"id"?: string | null,"is_active"?: boolean | null,"name"?: string | null,"pixel_id"?: string | null,"test_event_code"?: string | null,"token_error"?: string | null,"token_status"?: string | null,"token_updated_at"?: string | null,"updated_at"?: string | null
                         }
                        Relationships: [
                    
                  ]
                }
          }
          Functions: {
            "_add_conversion_defaults":
{ Args: { "company_ids": (string)[] }; Returns: undefined
                           },
"_add_ticket_conversion_defaults":
{ Args: { "company_ids": (string)[] }; Returns: undefined
                           },
"_enqueue_deliveries":
{ Args: { "meta_messages": (Json)[],"platform_messages": (Json)[] }; Returns: undefined
                           },
"_register_conversions":
{ Args: { "answer"?: boolean,"business_event": string,"items": Json,"source_table": string }; Returns: {
              "conversion_id": string,"created": boolean,"event_id": string,"source_id": string
            }[]
                           },
"apply_conversion_callback":
{ Args: { "callback_id": string,"delivery_id": string,"error"?: string,"outcome": string,"platform_account_id": string,"reference"?: string }; Returns: Json
                           },
"enqueue_meta_insights_sync":
{ Args: Record<PropertyKey, never>; Returns: number
                           },
"mark_meta_connection":
{ Args: { "connection_id": string,"message": string,"status": string }; Returns: undefined
                           },
"record_dispatch":
{ Args: { "attempts"?: Json,"outcomes": Json,"tokens"?: Json }; Returns: number
                           },
"register_conversion":
{ Args: { "business_event": string,"currency"?: string,"occurred_at"?: string,"source_id": string,"source_table": string,"value"?: number }; Returns: Json
                           },
"retry_deliveries":
{ Args: { "delivery_ids"?: (string)[],"from_time"?: string,"platform"?: string,"to_time"?: string }; Returns: Json
                           },
"upsert_meta_insights":
{ Args: { "meta_ad_account_id": string,"rows": Json }; Returns: number
                           }
          }
          Enums: {
            [_ in never]: never
          }
          CompositeTypes: {
            [_ in never]: never
          }
        },"lead": {
          Tables: {
            "attribution_history": {
                  Row: {
                    "changed_at": string,"company_id": string,"id": string,"new_ad_id": string | null,"new_ctwa_clid": string | null,"old_ad_id": string | null,"old_ctwa_clid": string | null,"ticket_id": string,"wamid": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "changed_at"?: string,"company_id": string,"id"?: string,"new_ad_id"?: string | null,"new_ctwa_clid"?: string | null,"old_ad_id"?: string | null,"old_ctwa_clid"?: string | null,"ticket_id": string,"wamid"?: string | null
                  }
                  Update: {
                    "changed_at"?: string,"company_id"?: string,"id"?: string,"new_ad_id"?: string | null,"new_ctwa_clid"?: string | null,"old_ad_id"?: string | null,"old_ctwa_clid"?: string | null,"ticket_id"?: string,"wamid"?: string | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "ticket_belongs_to_company"
      columns: ["company_id","ticket_id"]
isOneToOne: false
      referencedRelation: "tickets"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"capture_rate_limits": {
                  Row: {
                    "domain_id": string,"hits": number,"ip_hash": string,"window_start": string
                  }
                  ComputedFields: never
                  Insert: {
                    "domain_id": string,"hits"?: number,"ip_hash": string,"window_start": string
                  }
                  Update: {
                    "domain_id"?: string,"hits"?: number,"ip_hash"?: string,"window_start"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "capture_rate_limits_domain_id_fkey"
      columns: ["domain_id"]
isOneToOne: false
      referencedRelation: "domains"
      referencedColumns: ["id"]
    }
                  ]
                },"domains": {
                  Row: {
                    "allowed_origins": (string)[],"company_id": string,"created_at": string,"domain_name": string,"domain_url": string,"id": string,"is_active": boolean,"last_event_at": string | null,"metadata": NonNullable<Json>,"site_key": string,"site_key_rotated_at": string | null,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "allowed_origins"?: (string)[],"company_id": string,"created_at"?: string,"domain_name": string,"domain_url": string,"id"?: string,"is_active"?: boolean,"last_event_at"?: string | null,"metadata"?: NonNullable<Json>,"site_key"?: string,"site_key_rotated_at"?: string | null,"updated_at"?: string
                  }
                  Update: {
                    "allowed_origins"?: (string)[],"company_id"?: string,"created_at"?: string,"domain_name"?: string,"domain_url"?: string,"id"?: string,"is_active"?: boolean,"last_event_at"?: string | null,"metadata"?: NonNullable<Json>,"site_key"?: string,"site_key_rotated_at"?: string | null,"updated_at"?: string
                  }
                  Relationships: [
                    
                  ]
                },"landing_pages": {
                  Row: {
                    "ab_test_id": string | null,"company_id": string,"created_at": string,"domain_id": string,"id": string,"is_active": boolean,"is_control": boolean,"page_name": string,"page_url": string,"page_variant": string | null,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "ab_test_id"?: string | null,"company_id": string,"created_at"?: string,"domain_id": string,"id"?: string,"is_active"?: boolean,"is_control"?: boolean,"page_name": string,"page_url": string,"page_variant"?: string | null,"updated_at"?: string
                  }
                  Update: {
                    "ab_test_id"?: string | null,"company_id"?: string,"created_at"?: string,"domain_id"?: string,"id"?: string,"is_active"?: boolean,"is_control"?: boolean,"page_name"?: string,"page_url"?: string,"page_variant"?: string | null,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "domain_belongs_to_company"
      columns: ["company_id","domain_id"]
isOneToOne: false
      referencedRelation: "domains"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"lead_import_chunks": {
                  Row: {
                    "chunk_no": number,"company_id": string,"import_id": string,"processed_at": string,"rows_in_chunk": number
                  }
                  ComputedFields: never
                  Insert: {
                    "chunk_no": number,"company_id": string,"import_id": string,"processed_at"?: string,"rows_in_chunk": number
                  }
                  Update: {
                    "chunk_no"?: number,"company_id"?: string,"import_id"?: string,"processed_at"?: string,"rows_in_chunk"?: number
                  }
                  Relationships: [
                    {
      foreignKeyName: "import_belongs_to_company"
      columns: ["company_id","import_id"]
isOneToOne: false
      referencedRelation: "lead_imports"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"lead_import_errors": {
                  Row: {
                    "company_id": string,"created_at": string,"id": number,"import_id": string,"line_number": number,"raw": Json | null,"reason": string
                  }
                  ComputedFields: never
                  Insert: {
                    "company_id": string,"created_at"?: string,"id"?: never,"import_id": string,"line_number": number,"raw"?: Json | null,"reason": string
                  }
                  Update: {
                    "company_id"?: string,"created_at"?: string,"id"?: never,"import_id"?: string,"line_number"?: number,"raw"?: Json | null,"reason"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "import_belongs_to_company"
      columns: ["company_id","import_id"]
isOneToOne: false
      referencedRelation: "lead_imports"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"lead_import_slices": {
                  Row: {
                    "bytes": string,"company_id": string,"created_at": string,"import_id": string,"parsed_to": number,"slice_no": number
                  }
                  ComputedFields: never
                  Insert: {
                    "bytes": string,"company_id": string,"created_at"?: string,"import_id": string,"parsed_to"?: number,"slice_no": number
                  }
                  Update: {
                    "bytes"?: string,"company_id"?: string,"created_at"?: string,"import_id"?: string,"parsed_to"?: number,"slice_no"?: number
                  }
                  Relationships: [
                    {
      foreignKeyName: "import_belongs_to_company"
      columns: ["company_id","import_id"]
isOneToOne: false
      referencedRelation: "lead_imports"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"lead_imports": {
                  Row: {
                    "bytes_parsed": number,"chunks_done": number,"chunks_queued": number,"chunks_total": number | null,"company_id": string,"created_at": string,"created_by": string | null,"error": string | null,"file_name": string,"file_size_bytes": number,"finished_at": string | null,"id": string,"mapping": NonNullable<Json>,"rows_done": number,"rows_failed": number,"rows_inserted": number,"rows_parsed": number,"rows_total": number | null,"rows_updated": number,"slices_total": number | null,"started_at": string | null,"status": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "bytes_parsed"?: number,"chunks_done"?: number,"chunks_queued"?: number,"chunks_total"?: number | null,"company_id": string,"created_at"?: string,"created_by"?: string | null,"error"?: string | null,"file_name": string,"file_size_bytes": number,"finished_at"?: string | null,"id"?: string,"mapping": NonNullable<Json>,"rows_done"?: number,"rows_failed"?: number,"rows_inserted"?: number,"rows_parsed"?: number,"rows_total"?: number | null,"rows_updated"?: number,"slices_total"?: number | null,"started_at"?: string | null,"status"?: string,"updated_at"?: string
                  }
                  Update: {
                    "bytes_parsed"?: number,"chunks_done"?: number,"chunks_queued"?: number,"chunks_total"?: number | null,"company_id"?: string,"created_at"?: string,"created_by"?: string | null,"error"?: string | null,"file_name"?: string,"file_size_bytes"?: number,"finished_at"?: string | null,"id"?: string,"mapping"?: NonNullable<Json>,"rows_done"?: number,"rows_failed"?: number,"rows_inserted"?: number,"rows_parsed"?: number,"rows_total"?: number | null,"rows_updated"?: number,"slices_total"?: number | null,"started_at"?: string | null,"status"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    
                  ]
                },"lead_stages": {
                  Row: {
                    "changed_at": string,"changed_by": string | null,"company_id": string,"from_stage_id": string | null,"from_stage_name": string | null,"id": string,"lead_id": string,"opportunity_id": string | null,"probability": number | null,"reason": string | null,"to_stage_id": string | null,"to_stage_name": string,"value": number | null
                  }
                  ComputedFields: never
                  Insert: {
                    "changed_at"?: string,"changed_by"?: string | null,"company_id": string,"from_stage_id"?: string | null,"from_stage_name"?: string | null,"id"?: string,"lead_id": string,"opportunity_id"?: string | null,"probability"?: number | null,"reason"?: string | null,"to_stage_id"?: string | null,"to_stage_name": string,"value"?: number | null
                  }
                  Update: {
                    "changed_at"?: string,"changed_by"?: string | null,"company_id"?: string,"from_stage_id"?: string | null,"from_stage_name"?: string | null,"id"?: string,"lead_id"?: string,"opportunity_id"?: string | null,"probability"?: number | null,"reason"?: string | null,"to_stage_id"?: string | null,"to_stage_name"?: string,"value"?: number | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "lead_belongs_to_company"
      columns: ["company_id","lead_id"]
isOneToOne: false
      referencedRelation: "leads"
      referencedColumns: ["company_id","id"]
    },{
      foreignKeyName: "lead_stages_from_stage_id_fkey"
      columns: ["from_stage_id"]
isOneToOne: false
      referencedRelation: "pipeline_stages"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "lead_stages_to_stage_id_fkey"
      columns: ["to_stage_id"]
isOneToOne: false
      referencedRelation: "pipeline_stages"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "opportunity_exists"
      columns: ["opportunity_id"]
isOneToOne: false
      referencedRelation: "opportunities"
      referencedColumns: ["id"]
    }
                  ]
                },"lead_sync": {
                  Row: {
                    "attempts": number,"company_id": string,"created_at": string,"external_id": string | null,"id": string,"integration_id": string | null,"last_error": string | null,"last_operation": string | null,"lead_id": string,"next_attempt_at": string | null,"provider": string,"status": string,"synced_at": string | null,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "attempts"?: number,"company_id": string,"created_at"?: string,"external_id"?: string | null,"id"?: string,"integration_id"?: string | null,"last_error"?: string | null,"last_operation"?: string | null,"lead_id": string,"next_attempt_at"?: string | null,"provider"?: string,"status"?: string,"synced_at"?: string | null,"updated_at"?: string
                  }
                  Update: {
                    "attempts"?: number,"company_id"?: string,"created_at"?: string,"external_id"?: string | null,"id"?: string,"integration_id"?: string | null,"last_error"?: string | null,"last_operation"?: string | null,"lead_id"?: string,"next_attempt_at"?: string | null,"provider"?: string,"status"?: string,"synced_at"?: string | null,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "lead_belongs_to_company"
      columns: ["company_id","lead_id"]
isOneToOne: false
      referencedRelation: "leads"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"leads": {
                  Row: {
                    "anonymized_at": string | null,"company_id": string,"company_name": string | null,"converted_at": string | null,"converted_to_opportunity_id": string | null,"created_at": string,"created_by": string | null,"email": string | null,"email_domain": string | null,"email_hash": string | null,"email_mid": string | null,"erased_at": string | null,"external_id": string | null,"extra": NonNullable<Json>,"fbclid": string | null,"first_touch_at": string | null,"first_touch_id": string | null,"form_location": string | null,"gclid": string | null,"id": string,"is_business_email": boolean | null,"job_title": string | null,"landing_page_id": string | null,"landing_page_url": string | null,"last_touch_at": string | null,"last_touch_id": string | null,"li_fat_id": string | null,"message": string | null,"name": string | null,"origin": string,"owner_id": string | null,"phone": string | null,"phone_hash": string | null,"referrer": string | null,"score": number | null,"session_id": string | null,"stage_id": string,"status": string,"sync_to_crm": boolean,"time_to_conversion_seconds": number | null,"ttclid": string | null,"updated_at": string,"utm_campaign": string | null,"utm_content": string | null,"utm_id": string | null,"utm_medium": string | null,"utm_source": string | null,"utm_term": string | null,"utm_touch_id": string | null,"value": number | null
                  }
                  ComputedFields: never
                  Insert: {
                    "anonymized_at"?: string | null,"company_id": string,"company_name"?: string | null,"converted_at"?: string | null,"converted_to_opportunity_id"?: string | null,"created_at"?: string,"created_by"?: string | null,"email"?: string | null,"email_domain"?: never,"email_hash"?: string | null,"email_mid"?: string | null,"erased_at"?: string | null,"external_id"?: string | null,"extra"?: NonNullable<Json>,"fbclid"?: string | null,"first_touch_at"?: string | null,"first_touch_id"?: string | null,"form_location"?: string | null,"gclid"?: string | null,"id"?: string,"is_business_email"?: boolean | null,"job_title"?: string | null,"landing_page_id"?: string | null,"landing_page_url"?: string | null,"last_touch_at"?: string | null,"last_touch_id"?: string | null,"li_fat_id"?: string | null,"message"?: string | null,"name"?: string | null,"origin"?: string,"owner_id"?: string | null,"phone"?: string | null,"phone_hash"?: string | null,"referrer"?: string | null,"score"?: number | null,"session_id"?: string | null,"stage_id": string,"status"?: string,"sync_to_crm"?: boolean,"time_to_conversion_seconds"?: number | null,"ttclid"?: string | null,"updated_at"?: string,"utm_campaign"?: string | null,"utm_content"?: string | null,"utm_id"?: string | null,"utm_medium"?: string | null,"utm_source"?: string | null,"utm_term"?: string | null,"utm_touch_id"?: string | null,"value"?: number | null
                  }
                  Update: {
                    "anonymized_at"?: string | null,"company_id"?: string,"company_name"?: string | null,"converted_at"?: string | null,"converted_to_opportunity_id"?: string | null,"created_at"?: string,"created_by"?: string | null,"email"?: string | null,"email_domain"?: never,"email_hash"?: string | null,"email_mid"?: string | null,"erased_at"?: string | null,"external_id"?: string | null,"extra"?: NonNullable<Json>,"fbclid"?: string | null,"first_touch_at"?: string | null,"first_touch_id"?: string | null,"form_location"?: string | null,"gclid"?: string | null,"id"?: string,"is_business_email"?: boolean | null,"job_title"?: string | null,"landing_page_id"?: string | null,"landing_page_url"?: string | null,"last_touch_at"?: string | null,"last_touch_id"?: string | null,"li_fat_id"?: string | null,"message"?: string | null,"name"?: string | null,"origin"?: string,"owner_id"?: string | null,"phone"?: string | null,"phone_hash"?: string | null,"referrer"?: string | null,"score"?: number | null,"session_id"?: string | null,"stage_id"?: string,"status"?: string,"sync_to_crm"?: boolean,"time_to_conversion_seconds"?: number | null,"ttclid"?: string | null,"updated_at"?: string,"utm_campaign"?: string | null,"utm_content"?: string | null,"utm_id"?: string | null,"utm_medium"?: string | null,"utm_source"?: string | null,"utm_term"?: string | null,"utm_touch_id"?: string | null,"value"?: number | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "converted_to_opportunity_belongs_to_company"
      columns: ["company_id","converted_to_opportunity_id"]
isOneToOne: false
      referencedRelation: "opportunities"
      referencedColumns: ["company_id","id"]
    },{
      foreignKeyName: "stage_belongs_to_company"
      columns: ["company_id","stage_id"]
isOneToOne: false
      referencedRelation: "pipeline_stages"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"opportunities": {
                  Row: {
                    "company_id": string,"created_at": string,"created_by": string | null,"currency": string,"expected_close_date": string | null,"id": string,"lead_id": string,"notes": string | null,"owner_id": string | null,"stage_id": string,"title": string,"updated_at": string,"value": number | null
                  }
                  ComputedFields: never
                  Insert: {
                    "company_id": string,"created_at"?: string,"created_by"?: string | null,"currency"?: string,"expected_close_date"?: string | null,"id"?: string,"lead_id": string,"notes"?: string | null,"owner_id"?: string | null,"stage_id": string,"title": string,"updated_at"?: string,"value"?: number | null
                  }
                  Update: {
                    "company_id"?: string,"created_at"?: string,"created_by"?: string | null,"currency"?: string,"expected_close_date"?: string | null,"id"?: string,"lead_id"?: string,"notes"?: string | null,"owner_id"?: string | null,"stage_id"?: string,"title"?: string,"updated_at"?: string,"value"?: number | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "lead_belongs_to_company"
      columns: ["company_id","lead_id"]
isOneToOne: false
      referencedRelation: "leads"
      referencedColumns: ["company_id","id"]
    },{
      foreignKeyName: "stage_belongs_to_company"
      columns: ["company_id","stage_id"]
isOneToOne: false
      referencedRelation: "pipeline_stages"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"page_views": {
                  Row: {
                    "client_event_id": string,"company_id": string,"created_at": string,"domain_id": string,"exit_page": boolean,"id": string,"occurred_at": string | null,"page_id": string | null,"page_path": string,"page_title": string | null,"page_url": string,"referrer": string | null,"scroll_depth": number | null,"session_id": string,"time_on_page": number | null,"view_order": number
                  }
                  ComputedFields: never
                  Insert: {
                    "client_event_id": string,"company_id": string,"created_at"?: string,"domain_id": string,"exit_page"?: boolean,"id"?: string,"occurred_at"?: string | null,"page_id"?: string | null,"page_path": string,"page_title"?: string | null,"page_url": string,"referrer"?: string | null,"scroll_depth"?: number | null,"session_id": string,"time_on_page"?: number | null,"view_order": number
                  }
                  Update: {
                    "client_event_id"?: string,"company_id"?: string,"created_at"?: string,"domain_id"?: string,"exit_page"?: boolean,"id"?: string,"occurred_at"?: string | null,"page_id"?: string | null,"page_path"?: string,"page_title"?: string | null,"page_url"?: string,"referrer"?: string | null,"scroll_depth"?: number | null,"session_id"?: string,"time_on_page"?: number | null,"view_order"?: number
                  }
                  Relationships: [
                    {
      foreignKeyName: "session_belongs_to_company"
      columns: ["company_id","session_id"]
isOneToOne: false
      referencedRelation: "sessions"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"pipeline_stages": {
                  Row: {
                    "company_id": string,"created_at": string,"id": string,"is_active": boolean,"is_lost": boolean,"is_won": boolean,"name": string,"position": number,"probability": number,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "company_id": string,"created_at"?: string,"id"?: string,"is_active"?: boolean,"is_lost"?: boolean,"is_won"?: boolean,"name": string,"position": number,"probability"?: number,"updated_at"?: string
                  }
                  Update: {
                    "company_id"?: string,"created_at"?: string,"id"?: string,"is_active"?: boolean,"is_lost"?: boolean,"is_won"?: boolean,"name"?: string,"position"?: number,"probability"?: number,"updated_at"?: string
                  }
                  Relationships: [
                    
                  ]
                },"session_days": {
                  Row: {
                    "company_id": string,"day": string,"domain_id": string,"sessions": number
                  }
                  ComputedFields: never
                  Insert: {
                    "company_id": string,"day": string,"domain_id": string,"sessions": number
                  }
                  Update: {
                    "company_id"?: string,"day"?: string,"domain_id"?: string,"sessions"?: number
                  }
                  Relationships: [
                    {
      foreignKeyName: "session_days_domain_fkey"
      columns: ["company_id","domain_id"]
isOneToOne: false
      referencedRelation: "domains"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"session_landing_days": {
                  Row: {
                    "company_id": string,"day": string,"domain_id": string,"sessions": number,"utm_campaign": string | null,"utm_content": string | null,"utm_medium": string | null,"utm_source": string | null,"utm_term": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "company_id": string,"day": string,"domain_id": string,"sessions": number,"utm_campaign"?: string | null,"utm_content"?: string | null,"utm_medium"?: string | null,"utm_source"?: string | null,"utm_term"?: string | null
                  }
                  Update: {
                    "company_id"?: string,"day"?: string,"domain_id"?: string,"sessions"?: number,"utm_campaign"?: string | null,"utm_content"?: string | null,"utm_medium"?: string | null,"utm_source"?: string | null,"utm_term"?: string | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "session_landing_days_domain_fkey"
      columns: ["company_id","domain_id"]
isOneToOne: false
      referencedRelation: "domains"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"session_landing_rollups": {
                  Row: {
                    "company_id": string,"rolled_at": string,"rolled_until": string,"time_zone": string
                  }
                  ComputedFields: never
                  Insert: {
                    "company_id": string,"rolled_at"?: string,"rolled_until": string,"time_zone": string
                  }
                  Update: {
                    "company_id"?: string,"rolled_at"?: string,"rolled_until"?: string,"time_zone"?: string
                  }
                  Relationships: [
                    
                  ]
                },"sessions": {
                  Row: {
                    "browser": string | null,"company_id": string,"converted": boolean,"device": string | null,"domain_id": string,"first_page_id": string | null,"id": string,"journey_id": string,"landing_url": string | null,"last_activity_at": string,"lead_id": string | null,"metadata": NonNullable<Json>,"os": string | null,"referrer": string | null,"return_visits": number,"started_at": string,"total_events": number,"total_page_views": number,"visitor_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "browser"?: string | null,"company_id": string,"converted"?: boolean,"device"?: string | null,"domain_id": string,"first_page_id"?: string | null,"id": string,"journey_id": string,"landing_url"?: string | null,"last_activity_at": string,"lead_id"?: string | null,"metadata"?: NonNullable<Json>,"os"?: string | null,"referrer"?: string | null,"return_visits"?: number,"started_at": string,"total_events"?: number,"total_page_views"?: number,"visitor_id": string
                  }
                  Update: {
                    "browser"?: string | null,"company_id"?: string,"converted"?: boolean,"device"?: string | null,"domain_id"?: string,"first_page_id"?: string | null,"id"?: string,"journey_id"?: string,"landing_url"?: string | null,"last_activity_at"?: string,"lead_id"?: string | null,"metadata"?: NonNullable<Json>,"os"?: string | null,"referrer"?: string | null,"return_visits"?: number,"started_at"?: string,"total_events"?: number,"total_page_views"?: number,"visitor_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "domain_belongs_to_company"
      columns: ["company_id","domain_id"]
isOneToOne: false
      referencedRelation: "domains"
      referencedColumns: ["company_id","id"]
    },{
      foreignKeyName: "first_page_belongs_to_company"
      columns: ["company_id","first_page_id"]
isOneToOne: false
      referencedRelation: "landing_pages"
      referencedColumns: ["company_id","id"]
    },{
      foreignKeyName: "journey_belongs_to_company"
      columns: ["company_id","journey_id"]
isOneToOne: false
      referencedRelation: "visitor_journeys"
      referencedColumns: ["company_id","id"]
    },{
      foreignKeyName: "lead_belongs_to_company"
      columns: ["company_id","lead_id"]
isOneToOne: false
      referencedRelation: "leads"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"ticket_tracking": {
                  Row: {
                    "company_id": string,"created_at": string,"ctwa_clid": string | null,"headline": string | null,"id": string,"last_enrichment_at": string | null,"lead_id": string,"meta_account_id": string | null,"meta_ad_id": string | null,"meta_ad_id_at_enrichment": string | null,"meta_ad_name": string | null,"meta_adset_id": string | null,"meta_adset_name": string | null,"meta_campaign_id": string | null,"meta_campaign_name": string | null,"meta_enrichment_error": string | null,"meta_enrichment_status": string | null,"meta_placement": string | null,"meta_source_type": string | null,"referral_at": string | null,"source_url": string | null,"ticket_id": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "company_id": string,"created_at"?: string,"ctwa_clid"?: string | null,"headline"?: string | null,"id"?: string,"last_enrichment_at"?: string | null,"lead_id": string,"meta_account_id"?: string | null,"meta_ad_id"?: string | null,"meta_ad_id_at_enrichment"?: string | null,"meta_ad_name"?: string | null,"meta_adset_id"?: string | null,"meta_adset_name"?: string | null,"meta_campaign_id"?: string | null,"meta_campaign_name"?: string | null,"meta_enrichment_error"?: string | null,"meta_enrichment_status"?: string | null,"meta_placement"?: string | null,"meta_source_type"?: string | null,"referral_at"?: string | null,"source_url"?: string | null,"ticket_id": string,"updated_at"?: string
                  }
                  Update: {
                    "company_id"?: string,"created_at"?: string,"ctwa_clid"?: string | null,"headline"?: string | null,"id"?: string,"last_enrichment_at"?: string | null,"lead_id"?: string,"meta_account_id"?: string | null,"meta_ad_id"?: string | null,"meta_ad_id_at_enrichment"?: string | null,"meta_ad_name"?: string | null,"meta_adset_id"?: string | null,"meta_adset_name"?: string | null,"meta_campaign_id"?: string | null,"meta_campaign_name"?: string | null,"meta_enrichment_error"?: string | null,"meta_enrichment_status"?: string | null,"meta_placement"?: string | null,"meta_source_type"?: string | null,"referral_at"?: string | null,"source_url"?: string | null,"ticket_id"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "ticket_belongs_to_company"
      columns: ["company_id","ticket_id"]
isOneToOne: false
      referencedRelation: "tickets"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"tickets": {
                  Row: {
                    "closed_at": string | null,"company_id": string,"contact_name": string | null,"contact_wa_id": string | null,"created_at": string,"currency": string,"deal_value": number | null,"id": string,"last_message_at": string,"lead_id": string,"opened_at": string,"stage": string,"stage_changed_at": string | null,"status": string,"updated_at": string,"whatsapp_number_id": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "closed_at"?: string | null,"company_id": string,"contact_name"?: string | null,"contact_wa_id"?: string | null,"created_at"?: string,"currency"?: string,"deal_value"?: number | null,"id"?: string,"last_message_at"?: string,"lead_id": string,"opened_at"?: string,"stage"?: string,"stage_changed_at"?: string | null,"status"?: string,"updated_at"?: string,"whatsapp_number_id"?: string | null
                  }
                  Update: {
                    "closed_at"?: string | null,"company_id"?: string,"contact_name"?: string | null,"contact_wa_id"?: string | null,"created_at"?: string,"currency"?: string,"deal_value"?: number | null,"id"?: string,"last_message_at"?: string,"lead_id"?: string,"opened_at"?: string,"stage"?: string,"stage_changed_at"?: string | null,"status"?: string,"updated_at"?: string,"whatsapp_number_id"?: string | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "lead_belongs_to_company"
      columns: ["company_id","lead_id"]
isOneToOne: false
      referencedRelation: "leads"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"tracking_settings": {
                  Row: {
                    "company_id": string,"created_at": string,"visitor_key": string
                  }
                  ComputedFields: never
                  Insert: {
                    "company_id": string,"created_at"?: string,"visitor_key"?: string
                  }
                  Update: {
                    "company_id"?: string,"created_at"?: string,"visitor_key"?: string
                  }
                  Relationships: [
                    
                  ]
                },"utm_touches": {
                  Row: {
                    "attribution_model": string | null,"channel": string,"client_ip": unknown,"company_id": string,"created_at": string,"device": string | null,"domain_id": string,"fbc": string | null,"fbclid": string | null,"fbp": string | null,"gbraid": string | null,"gclid": string | null,"id": string,"journey_id": string,"lead_id": string | null,"li_fat_id": string | null,"match_type": string | null,"mid": string | null,"msclkid": string | null,"page_id": string | null,"page_url": string | null,"referrer": string | null,"session_id": string,"touched_at": string,"ttclid": string | null,"url_params": NonNullable<Json>,"user_agent": string | null,"utm_campaign": string | null,"utm_content": string | null,"utm_id": string | null,"utm_medium": string | null,"utm_source": string | null,"utm_term": string | null,"visitor_id": string,"wbraid": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "attribution_model"?: string | null,"channel": string,"client_ip"?: unknown,"company_id": string,"created_at"?: string,"device"?: string | null,"domain_id": string,"fbc"?: string | null,"fbclid"?: string | null,"fbp"?: string | null,"gbraid"?: string | null,"gclid"?: string | null,"id"?: string,"journey_id": string,"lead_id"?: string | null,"li_fat_id"?: string | null,"match_type"?: string | null,"mid"?: string | null,"msclkid"?: string | null,"page_id"?: string | null,"page_url"?: string | null,"referrer"?: string | null,"session_id": string,"touched_at"?: string,"ttclid"?: string | null,"url_params"?: NonNullable<Json>,"user_agent"?: string | null,"utm_campaign"?: string | null,"utm_content"?: string | null,"utm_id"?: string | null,"utm_medium"?: string | null,"utm_source"?: string | null,"utm_term"?: string | null,"visitor_id": string,"wbraid"?: string | null
                  }
                  Update: {
                    "attribution_model"?: string | null,"channel"?: string,"client_ip"?: unknown,"company_id"?: string,"created_at"?: string,"device"?: string | null,"domain_id"?: string,"fbc"?: string | null,"fbclid"?: string | null,"fbp"?: string | null,"gbraid"?: string | null,"gclid"?: string | null,"id"?: string,"journey_id"?: string,"lead_id"?: string | null,"li_fat_id"?: string | null,"match_type"?: string | null,"mid"?: string | null,"msclkid"?: string | null,"page_id"?: string | null,"page_url"?: string | null,"referrer"?: string | null,"session_id"?: string,"touched_at"?: string,"ttclid"?: string | null,"url_params"?: NonNullable<Json>,"user_agent"?: string | null,"utm_campaign"?: string | null,"utm_content"?: string | null,"utm_id"?: string | null,"utm_medium"?: string | null,"utm_source"?: string | null,"utm_term"?: string | null,"visitor_id"?: string,"wbraid"?: string | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "domain_belongs_to_company"
      columns: ["company_id","domain_id"]
isOneToOne: false
      referencedRelation: "domains"
      referencedColumns: ["company_id","id"]
    },{
      foreignKeyName: "lead_belongs_to_company"
      columns: ["company_id","lead_id"]
isOneToOne: false
      referencedRelation: "leads"
      referencedColumns: ["company_id","id"]
    },{
      foreignKeyName: "session_belongs_to_company"
      columns: ["company_id","session_id"]
isOneToOne: false
      referencedRelation: "sessions"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"visitor_journeys": {
                  Row: {
                    "company_id": string,"conversion_session_id": string | null,"converted": boolean,"domain_id": string,"first_visit_at": string,"id": string,"last_visit_at": string,"lead_id": string | null,"total_page_views": number,"total_sessions": number,"visitor_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "company_id": string,"conversion_session_id"?: string | null,"converted"?: boolean,"domain_id": string,"first_visit_at": string,"id"?: string,"last_visit_at": string,"lead_id"?: string | null,"total_page_views"?: number,"total_sessions"?: number,"visitor_id": string
                  }
                  Update: {
                    "company_id"?: string,"conversion_session_id"?: string | null,"converted"?: boolean,"domain_id"?: string,"first_visit_at"?: string,"id"?: string,"last_visit_at"?: string,"lead_id"?: string | null,"total_page_views"?: number,"total_sessions"?: number,"visitor_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "domain_belongs_to_company"
      columns: ["company_id","domain_id"]
isOneToOne: false
      referencedRelation: "domains"
      referencedColumns: ["company_id","id"]
    },{
      foreignKeyName: "lead_belongs_to_company"
      columns: ["company_id","lead_id"]
isOneToOne: false
      referencedRelation: "leads"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"web_events": {
                  Row: {
                    "client_event_id": string,"company_id": string,"created_at": string,"domain_id": string,"element_class": string | null,"element_id": string | null,"event_action": string | null,"event_category": string | null,"event_data": NonNullable<Json>,"event_label": string | null,"event_type": string,"event_value": number | null,"id": string,"occurred_at": string | null,"page_id": string | null,"page_url": string | null,"session_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "client_event_id": string,"company_id": string,"created_at"?: string,"domain_id": string,"element_class"?: string | null,"element_id"?: string | null,"event_action"?: string | null,"event_category"?: string | null,"event_data"?: NonNullable<Json>,"event_label"?: string | null,"event_type": string,"event_value"?: number | null,"id"?: string,"occurred_at"?: string | null,"page_id"?: string | null,"page_url"?: string | null,"session_id": string
                  }
                  Update: {
                    "client_event_id"?: string,"company_id"?: string,"created_at"?: string,"domain_id"?: string,"element_class"?: string | null,"element_id"?: string | null,"event_action"?: string | null,"event_category"?: string | null,"event_data"?: NonNullable<Json>,"event_label"?: string | null,"event_type"?: string,"event_value"?: number | null,"id"?: string,"occurred_at"?: string | null,"page_id"?: string | null,"page_url"?: string | null,"session_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "session_belongs_to_company"
      columns: ["company_id","session_id"]
isOneToOne: false
      referencedRelation: "sessions"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"whatsapp_messages": {
                  Row: {
                    "company_id": string,"from_wa_id": string | null,"id": string,"lead_id": string,"message_type": string | null,"received_at": string,"referral": Json | null,"sent_at": string,"ticket_id": string,"wamid": string,"whatsapp_number_id": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "company_id": string,"from_wa_id"?: string | null,"id"?: string,"lead_id": string,"message_type"?: string | null,"received_at"?: string,"referral"?: Json | null,"sent_at": string,"ticket_id": string,"wamid": string,"whatsapp_number_id"?: string | null
                  }
                  Update: {
                    "company_id"?: string,"from_wa_id"?: string | null,"id"?: string,"lead_id"?: string,"message_type"?: string | null,"received_at"?: string,"referral"?: Json | null,"sent_at"?: string,"ticket_id"?: string,"wamid"?: string,"whatsapp_number_id"?: string | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "ticket_belongs_to_company"
      columns: ["company_id","ticket_id"]
isOneToOne: false
      referencedRelation: "tickets"
      referencedColumns: ["company_id","id"]
    }
                  ]
                }
          }
          Views: {
            "stage_totals": {
                  Row: {
                    "company_id": string,"leads": number | null,"stage_id": string,"total_value": number | null
                  }
                  ComputedFields: never
                  Relationships: [
                    {
      foreignKeyName: "stage_belongs_to_company"
      columns: ["company_id","stage_id"]
isOneToOne: false
      referencedRelation: "pipeline_stages"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"ticket_conversion_context": {
                  Row: {
                    "ctwa_clicked_at": string | null,"ctwa_clid": string | null,"id": string,"messaging_channel": string | null,"pixel_config_id": string | null,"whatsapp_business_account_id": string
                  }
                  ComputedFields: never
                  Relationships: [
                    
                  ]
                },"ticket_conversions": {
                  Row: {
                    "attempts": number | null,"business_event": string,"company_id": string,"conversion_id": string,"conversion_name": string,"ctwa_clid": string | null,"currency": string | null,"delivery_id": string | null,"event_id": string,"event_name": string | null,"fbtrace_id": string | null,"last_error": string | null,"occurred_at": string,"sent_at": string | null,"status": string | null,"ticket_id": string,"value": number | null
                  }
                  ComputedFields: never
                  Relationships: [
                    
                  ]
                }
          }
          Functions: {
            "_add_default_pipeline_stages":
{ Args: { "company_ids": (string)[] }; Returns: undefined
                           },
"_as_sha256_hex":
{ Args: { "value": string }; Returns: string
                           },
"_open_upload":
{ Args: { "import_id": string }; Returns: {
              "bytes_parsed": number,
"chunks_done": number,
"chunks_queued": number,
"chunks_total": number | null,
"company_id": string,
"created_at": string,
"created_by": string | null,
"error": string | null,
"file_name": string,
"file_size_bytes": number,
"finished_at": string | null,
"id": string,
"mapping": NonNullable<Json>,
"rows_done": number,
"rows_failed": number,
"rows_inserted": number,
"rows_parsed": number,
"rows_total": number | null,
"rows_updated": number,
"slices_total": number | null,
"started_at": string | null,
"status": string,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "lead_imports"
        isOneToOne: true
        isSetofReturn: false
      } },
"_origins_are_valid":
{ Args: { "origins": (string)[] }; Returns: boolean
                           },
"_refusal":
{ Args: { "origin": string,"site": Omit<Database["lead"]['Tables']["domains"]['Row'], Database["lead"]['Tables']["domains"]['ComputedFields']> }; Returns: string
                           },
"_session_client_ids":
{ Args: { "company": string,"event_ids": (string)[],"sess": string,"since": string,"until": string,"view_ids": (string)[] }; Returns: Record<string, unknown>
                           },
"_trim_white_space":
{ Args: { "value": string }; Returns: string
                           },
"_visitor_from_request":
{ Args: { "client_ip": string,"company_id": string,"domain_id": string,"user_agent": string }; Returns: string
                           },
"apply_crm_pull":
{ Args: { "contacts": Json,"integration_id": string }; Returns: Json
                           },
"apply_crm_pull_page":
{ Args: { "contacts": Json,"fetched_after_contact_code": number,"fetched_after_inserted_at": string,"integration_id": string,"next_contact_code": number,"next_inserted_at": string,"reached_end": boolean,"sync_type": string }; Returns: Json
                           },
"apply_import_chunk":
{ Args: { "chunk_no": number,"errors"?: Json,"import_id": string,"rows": Json }; Returns: Json
                           },
"apply_import_slice":
{ Args: { "chunks": Json,"from_offset": number,"import_id": string,"next_parse"?: Json,"slice_no": number,"to_offset": number }; Returns: Json
                           },
"capture_web_lead":
{ Args: { "capture": Json }; Returns: Json
                           },
"convert_to_opportunity":
{ Args: { "currency"?: string,"expected_close_date"?: string,"lead_id": string,"owner_id"?: string,"reason"?: string,"stage_id": string,"title"?: string,"value"?: number }; Returns: Json
                           },
"fail_import_chunk":
{ Args: { "chunk_no": number,"errors": Json,"import_id": string,"reason": string }; Returns: Json
                           },
"fail_import_parse":
{ Args: { "import_id": string,"reason": string }; Returns: Json
                           },
"finish_import_upload":
{ Args: { "file_size_bytes": number,"import_id": string,"parse": Json }; Returns: number
                           },
"hash_email":
{ Args: { "value": string }; Returns: string
                           },
"hash_phone":
{ Args: { "value": string }; Returns: string
                           },
"ingest_tracking_batch":
{ Args: { "batch": Json }; Returns: Json
                           },
"ingest_tracking_batches":
{ Args: { "batches": Json }; Returns: Json
                           },
"ingest_whatsapp_messages":
{ Args: { "messages": Json }; Returns: Json
                           },
"lead_score":
{ Args: { "channels": (string)[],"has_company": boolean,"has_message": boolean,"has_phone": boolean,"is_business_email": boolean,"page_views": number,"sessions": number }; Returns: number
                           },
"move_ticket":
{ Args: { "currency"?: string,"deal_value"?: number,"stage": string,"ticket_id": string }; Returns: Json
                           },
"move_to_stage":
{ Args: { "lead_id": string,"reason"?: string,"stage_id": string }; Returns: {
              "anonymized_at": string | null,
"company_id": string,
"company_name": string | null,
"converted_at": string | null,
"converted_to_opportunity_id": string | null,
"created_at": string,
"created_by": string | null,
"email": string | null,
"email_domain": string | null,
"email_hash": string | null,
"email_mid": string | null,
"erased_at": string | null,
"external_id": string | null,
"extra": NonNullable<Json>,
"fbclid": string | null,
"first_touch_at": string | null,
"first_touch_id": string | null,
"form_location": string | null,
"gclid": string | null,
"id": string,
"is_business_email": boolean | null,
"job_title": string | null,
"landing_page_id": string | null,
"landing_page_url": string | null,
"last_touch_at": string | null,
"last_touch_id": string | null,
"li_fat_id": string | null,
"message": string | null,
"name": string | null,
"origin": string,
"owner_id": string | null,
"phone": string | null,
"phone_hash": string | null,
"referrer": string | null,
"score": number | null,
"session_id": string | null,
"stage_id": string,
"status": string,
"sync_to_crm": boolean,
"time_to_conversion_seconds": number | null,
"ttclid": string | null,
"updated_at": string,
"utm_campaign": string | null,
"utm_content": string | null,
"utm_id": string | null,
"utm_medium": string | null,
"utm_source": string | null,
"utm_term": string | null,
"utm_touch_id": string | null,
"value": number | null
            }
                          SetofOptions: {
        from: "*"
        to: "leads"
        isOneToOne: true
        isSetofReturn: false
      } },
"new_site_key":
{ Args: Record<PropertyKey, never>; Returns: string
                           },
"normalize_email":
{ Args: { "value": string }; Returns: string
                           },
"normalize_phone":
{ Args: { "value": string }; Returns: string
                           },
"phone_variants":
{ Args: { "digits": string }; Returns: (string)[]
                           },
"record_ticket_enrichment":
{ Args: { "meta_ad_id": string,"result": Json,"ticket_tracking_id": string }; Returns: boolean
                           },
"redrive_failed_crm_sync":
{ Args: { "company_id"?: string }; Returns: number
                           },
"release_crm_sync":
{ Args: { "company_id": string }; Returns: number
                           },
"reorder_pipeline_stages":
{ Args: { "stage_ids": (string)[] }; Returns: {
              "company_id": string,
"created_at": string,
"id": string,
"is_active": boolean,
"is_lost": boolean,
"is_won": boolean,
"name": string,
"position": number,
"probability": number,
"updated_at": string
            }[]
                          SetofOptions: {
        from: "*"
        to: "pipeline_stages"
        isOneToOne: false
        isSetofReturn: true
      } },
"roll_up_session_landings":
{ Args: { "rebuild"?: boolean }; Returns: number
                           },
"rotate_site_key":
{ Args: { "domain_id": string }; Returns: string
                           },
"search_leads":
{ Args: { "query": string }; Returns: {
              "anonymized_at": string | null,
"company_id": string,
"company_name": string | null,
"converted_at": string | null,
"converted_to_opportunity_id": string | null,
"created_at": string,
"created_by": string | null,
"email": string | null,
"email_domain": string | null,
"email_hash": string | null,
"email_mid": string | null,
"erased_at": string | null,
"external_id": string | null,
"extra": NonNullable<Json>,
"fbclid": string | null,
"first_touch_at": string | null,
"first_touch_id": string | null,
"form_location": string | null,
"gclid": string | null,
"id": string,
"is_business_email": boolean | null,
"job_title": string | null,
"landing_page_id": string | null,
"landing_page_url": string | null,
"last_touch_at": string | null,
"last_touch_id": string | null,
"li_fat_id": string | null,
"message": string | null,
"name": string | null,
"origin": string,
"owner_id": string | null,
"phone": string | null,
"phone_hash": string | null,
"referrer": string | null,
"score": number | null,
"session_id": string | null,
"stage_id": string,
"status": string,
"sync_to_crm": boolean,
"time_to_conversion_seconds": number | null,
"ttclid": string | null,
"updated_at": string,
"utm_campaign": string | null,
"utm_content": string | null,
"utm_id": string | null,
"utm_medium": string | null,
"utm_source": string | null,
"utm_term": string | null,
"utm_touch_id": string | null,
"value": number | null
            }[]
                          SetofOptions: {
        from: "*"
        to: "leads"
        isOneToOne: false
        isSetofReturn: true
      } },
"sha256_hex":
{ Args: { "value": string }; Returns: string
                           },
"store_import_slice":
{ Args: { "bytes": string,"import_id": string,"slice_no": number }; Returns: undefined
                           }
          }
          Enums: {
            [_ in never]: never
          }
          CompositeTypes: {
            [_ in never]: never
          }
        },"mtrk": {
          Tables: {
            "audience_contacts": {
                  Row: {
                    "added_at": string,"audience_id": string,"company_id": string,"contact_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "added_at"?: string,"audience_id": string,"company_id": string,"contact_id": string
                  }
                  Update: {
                    "added_at"?: string,"audience_id"?: string,"company_id"?: string,"contact_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "audience_belongs_to_company"
      columns: ["company_id","audience_id"]
isOneToOne: false
      referencedRelation: "audiences"
      referencedColumns: ["company_id","id"]
    },{
      foreignKeyName: "contact_belongs_to_company"
      columns: ["company_id","contact_id"]
isOneToOne: false
      referencedRelation: "contacts"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"audiences": {
                  Row: {
                    "company_id": string,"created_at": string,"description": string | null,"id": string,"name": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "company_id": string,"created_at"?: string,"description"?: string | null,"id"?: string,"name": string,"updated_at"?: string
                  }
                  Update: {
                    "company_id"?: string,"created_at"?: string,"description"?: string | null,"id"?: string,"name"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    
                  ]
                },"campaign_audiences": {
                  Row: {
                    "audience_id": string,"campaign_id": string,"company_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "audience_id": string,"campaign_id": string,"company_id": string
                  }
                  Update: {
                    "audience_id"?: string,"campaign_id"?: string,"company_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "audience_belongs_to_company"
      columns: ["company_id","audience_id"]
isOneToOne: false
      referencedRelation: "audiences"
      referencedColumns: ["company_id","id"]
    },{
      foreignKeyName: "campaign_belongs_to_company"
      columns: ["company_id","campaign_id"]
isOneToOne: false
      referencedRelation: "campaign_dashboard"
      referencedColumns: ["company_id","campaign_id"]
    },{
      foreignKeyName: "campaign_belongs_to_company"
      columns: ["company_id","campaign_id"]
isOneToOne: false
      referencedRelation: "campaigns"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"campaign_ctas": {
                  Row: {
                    "campaign_id": string,"clicks": number,"company_id": string,"id": string,"label": string,"position": number,"unique_clicks": number,"url": string
                  }
                  ComputedFields: never
                  Insert: {
                    "campaign_id": string,"clicks"?: number,"company_id": string,"id"?: string,"label": string,"position": number,"unique_clicks"?: number,"url": string
                  }
                  Update: {
                    "campaign_id"?: string,"clicks"?: number,"company_id"?: string,"id"?: string,"label"?: string,"position"?: number,"unique_clicks"?: number,"url"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "campaign_belongs_to_company"
      columns: ["company_id","campaign_id"]
isOneToOne: false
      referencedRelation: "campaign_dashboard"
      referencedColumns: ["company_id","campaign_id"]
    },{
      foreignKeyName: "campaign_belongs_to_company"
      columns: ["company_id","campaign_id"]
isOneToOne: false
      referencedRelation: "campaigns"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"campaign_metrics": {
                  Row: {
                    "campaign_id": string,"clicks": number,"company_id": string,"complaints": number,"delivered": number,"hard_bounces": number,"leads": number,"machine_clicks": number,"machine_opens": number,"opens": number,"sent": number,"soft_bounces": number,"unique_clicks": number,"unique_opens": number,"unsubscribes": number,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "campaign_id": string,"clicks"?: number,"company_id": string,"complaints"?: number,"delivered"?: number,"hard_bounces"?: number,"leads"?: number,"machine_clicks"?: number,"machine_opens"?: number,"opens"?: number,"sent"?: number,"soft_bounces"?: number,"unique_clicks"?: number,"unique_opens"?: number,"unsubscribes"?: number,"updated_at"?: string
                  }
                  Update: {
                    "campaign_id"?: string,"clicks"?: number,"company_id"?: string,"complaints"?: number,"delivered"?: number,"hard_bounces"?: number,"leads"?: number,"machine_clicks"?: number,"machine_opens"?: number,"opens"?: number,"sent"?: number,"soft_bounces"?: number,"unique_clicks"?: number,"unique_opens"?: number,"unsubscribes"?: number,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "campaign_belongs_to_company"
      columns: ["company_id","campaign_id"]
isOneToOne: false
      referencedRelation: "campaign_dashboard"
      referencedColumns: ["company_id","campaign_id"]
    },{
      foreignKeyName: "campaign_belongs_to_company"
      columns: ["company_id","campaign_id"]
isOneToOne: false
      referencedRelation: "campaigns"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"campaign_metrics_daily": {
                  Row: {
                    "bounces": number,"campaign_id": string,"company_id": string,"day": string,"delivered": number,"unique_clicks": number,"unique_opens": number,"unsubscribes": number
                  }
                  ComputedFields: never
                  Insert: {
                    "bounces"?: number,"campaign_id": string,"company_id": string,"day": string,"delivered"?: number,"unique_clicks"?: number,"unique_opens"?: number,"unsubscribes"?: number
                  }
                  Update: {
                    "bounces"?: number,"campaign_id"?: string,"company_id"?: string,"day"?: string,"delivered"?: number,"unique_clicks"?: number,"unique_opens"?: number,"unsubscribes"?: number
                  }
                  Relationships: [
                    {
      foreignKeyName: "campaign_belongs_to_company"
      columns: ["company_id","campaign_id"]
isOneToOne: false
      referencedRelation: "campaign_dashboard"
      referencedColumns: ["company_id","campaign_id"]
    },{
      foreignKeyName: "campaign_belongs_to_company"
      columns: ["company_id","campaign_id"]
isOneToOne: false
      referencedRelation: "campaigns"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"campaigns": {
                  Row: {
                    "company_id": string,"created_at": string,"created_by": string | null,"ends_at": string | null,"generated_at": string | null,"html_content": string,"id": string,"landing_page_id": string | null,"name": string,"objective": string | null,"send_checkpoint": number,"sender_email": string,"sender_name": string,"sending_started_at": string | null,"sent_at": string | null,"simulation_hours": number,"starts_at": string | null,"status": string,"subject": string,"transport": string | null,"updated_at": string,"utm_campaign": string | null,"utm_medium": string,"utm_source": string
                  }
                  ComputedFields: never
                  Insert: {
                    "company_id": string,"created_at"?: string,"created_by"?: string | null,"ends_at"?: string | null,"generated_at"?: string | null,"html_content": string,"id"?: string,"landing_page_id"?: string | null,"name": string,"objective"?: string | null,"send_checkpoint"?: number,"sender_email": string,"sender_name": string,"sending_started_at"?: string | null,"sent_at"?: string | null,"simulation_hours"?: number,"starts_at"?: string | null,"status"?: string,"subject": string,"transport"?: string | null,"updated_at"?: string,"utm_campaign"?: string | null,"utm_medium"?: string,"utm_source"?: string
                  }
                  Update: {
                    "company_id"?: string,"created_at"?: string,"created_by"?: string | null,"ends_at"?: string | null,"generated_at"?: string | null,"html_content"?: string,"id"?: string,"landing_page_id"?: string | null,"name"?: string,"objective"?: string | null,"send_checkpoint"?: number,"sender_email"?: string,"sender_name"?: string,"sending_started_at"?: string | null,"sent_at"?: string | null,"simulation_hours"?: number,"starts_at"?: string | null,"status"?: string,"subject"?: string,"transport"?: string | null,"updated_at"?: string,"utm_campaign"?: string | null,"utm_medium"?: string,"utm_source"?: string
                  }
                  Relationships: [
                    
                  ]
                },"contacts": {
                  Row: {
                    "company_id": string,"created_at": string,"email": string | null,"erased_at": string | null,"id": string,"lead_id": string | null,"name": string | null,"public_id": string,"soft_bounces": number,"status": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "company_id": string,"created_at"?: string,"email"?: string | null,"erased_at"?: string | null,"id"?: string,"lead_id"?: string | null,"name"?: string | null,"public_id"?: string,"soft_bounces"?: number,"status"?: string,"updated_at"?: string
                  }
                  Update: {
                    "company_id"?: string,"created_at"?: string,"email"?: string | null,"erased_at"?: string | null,"id"?: string,"lead_id"?: string | null,"name"?: string | null,"public_id"?: string,"soft_bounces"?: number,"status"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    
                  ]
                },"events": {
                  Row: {
                    "bounce_kind": string | null,"campaign_id": string,"company_id": string,"contact_id": string,"detail": Json | null,"id": number,"is_machine": boolean,"link_id": number | null,"machine_reason": string | null,"message_id": number,"occurred_at": string,"provider_event_id": string | null,"recorded_at": string,"source": string,"type": string,"user_agent": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "bounce_kind"?: string | null,"campaign_id": string,"company_id": string,"contact_id": string,"detail"?: Json | null,"id"?: never,"is_machine"?: boolean,"link_id"?: number | null,"machine_reason"?: string | null,"message_id": number,"occurred_at"?: string,"provider_event_id"?: string | null,"recorded_at"?: string,"source": string,"type": string,"user_agent"?: string | null
                  }
                  Update: {
                    "bounce_kind"?: string | null,"campaign_id"?: string,"company_id"?: string,"contact_id"?: string,"detail"?: Json | null,"id"?: never,"is_machine"?: boolean,"link_id"?: number | null,"machine_reason"?: string | null,"message_id"?: number,"occurred_at"?: string,"provider_event_id"?: string | null,"recorded_at"?: string,"source"?: string,"type"?: string,"user_agent"?: string | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "campaign_belongs_to_company"
      columns: ["company_id","campaign_id"]
isOneToOne: false
      referencedRelation: "campaign_dashboard"
      referencedColumns: ["company_id","campaign_id"]
    },{
      foreignKeyName: "campaign_belongs_to_company"
      columns: ["company_id","campaign_id"]
isOneToOne: false
      referencedRelation: "campaigns"
      referencedColumns: ["company_id","id"]
    },{
      foreignKeyName: "contact_belongs_to_company"
      columns: ["company_id","contact_id"]
isOneToOne: false
      referencedRelation: "contacts"
      referencedColumns: ["company_id","id"]
    },{
      foreignKeyName: "link_is_known"
      columns: ["link_id"]
isOneToOne: false
      referencedRelation: "links"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "message_belongs_to_company"
      columns: ["company_id","message_id"]
isOneToOne: false
      referencedRelation: "messages"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"fold_state": {
                  Row: {
                    "last_folded": number,"last_folded_at": string,"singleton": boolean
                  }
                  ComputedFields: never
                  Insert: {
                    "last_folded"?: number,"last_folded_at"?: string,"singleton"?: boolean
                  }
                  Update: {
                    "last_folded"?: number,"last_folded_at"?: string,"singleton"?: boolean
                  }
                  Relationships: [
                    
                  ]
                },"lead_attributions": {
                  Row: {
                    "attributed_at": string,"campaign_id": string,"company_id": string,"contact_id": string,"lead_id": string,"message_id": number
                  }
                  ComputedFields: never
                  Insert: {
                    "attributed_at"?: string,"campaign_id": string,"company_id": string,"contact_id": string,"lead_id": string,"message_id": number
                  }
                  Update: {
                    "attributed_at"?: string,"campaign_id"?: string,"company_id"?: string,"contact_id"?: string,"lead_id"?: string,"message_id"?: number
                  }
                  Relationships: [
                    {
      foreignKeyName: "campaign_belongs_to_company"
      columns: ["company_id","campaign_id"]
isOneToOne: false
      referencedRelation: "campaign_dashboard"
      referencedColumns: ["company_id","campaign_id"]
    },{
      foreignKeyName: "campaign_belongs_to_company"
      columns: ["company_id","campaign_id"]
isOneToOne: false
      referencedRelation: "campaigns"
      referencedColumns: ["company_id","id"]
    },{
      foreignKeyName: "message_belongs_to_company"
      columns: ["company_id","message_id"]
isOneToOne: false
      referencedRelation: "messages"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"links": {
                  Row: {
                    "campaign_id": string,"clicks": number,"company_id": string,"cta_id": string,"first_click_at": string | null,"id": number,"message_id": number,"public_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "campaign_id": string,"clicks"?: number,"company_id": string,"cta_id": string,"first_click_at"?: string | null,"id"?: never,"message_id": number,"public_id"?: string
                  }
                  Update: {
                    "campaign_id"?: string,"clicks"?: number,"company_id"?: string,"cta_id"?: string,"first_click_at"?: string | null,"id"?: never,"message_id"?: number,"public_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "cta_belongs_to_company"
      columns: ["company_id","cta_id"]
isOneToOne: false
      referencedRelation: "campaign_ctas"
      referencedColumns: ["company_id","id"]
    },{
      foreignKeyName: "message_belongs_to_company"
      columns: ["company_id","message_id"]
isOneToOne: false
      referencedRelation: "messages"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"messages": {
                  Row: {
                    "campaign_id": string,"clicks": number,"company_id": string,"complained_at": string | null,"contact_id": string,"created_at": string,"delivered_at": string | null,"error": string | null,"first_click_at": string | null,"first_open_at": string | null,"hard_bounced_at": string | null,"id": number,"machine_clicks": number,"machine_opens": number,"opens": number,"provider_message_id": string | null,"public_id": string,"sent_at": string | null,"soft_bounces": number,"status": string,"transport": string | null,"unsubscribed_at": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "campaign_id": string,"clicks"?: number,"company_id": string,"complained_at"?: string | null,"contact_id": string,"created_at"?: string,"delivered_at"?: string | null,"error"?: string | null,"first_click_at"?: string | null,"first_open_at"?: string | null,"hard_bounced_at"?: string | null,"id"?: never,"machine_clicks"?: number,"machine_opens"?: number,"opens"?: number,"provider_message_id"?: string | null,"public_id"?: string,"sent_at"?: string | null,"soft_bounces"?: number,"status"?: string,"transport"?: string | null,"unsubscribed_at"?: string | null
                  }
                  Update: {
                    "campaign_id"?: string,"clicks"?: number,"company_id"?: string,"complained_at"?: string | null,"contact_id"?: string,"created_at"?: string,"delivered_at"?: string | null,"error"?: string | null,"first_click_at"?: string | null,"first_open_at"?: string | null,"hard_bounced_at"?: string | null,"id"?: never,"machine_clicks"?: number,"machine_opens"?: number,"opens"?: number,"provider_message_id"?: string | null,"public_id"?: string,"sent_at"?: string | null,"soft_bounces"?: number,"status"?: string,"transport"?: string | null,"unsubscribed_at"?: string | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "campaign_belongs_to_company"
      columns: ["company_id","campaign_id"]
isOneToOne: false
      referencedRelation: "campaign_dashboard"
      referencedColumns: ["company_id","campaign_id"]
    },{
      foreignKeyName: "campaign_belongs_to_company"
      columns: ["company_id","campaign_id"]
isOneToOne: false
      referencedRelation: "campaigns"
      referencedColumns: ["company_id","id"]
    },{
      foreignKeyName: "contact_belongs_to_company"
      columns: ["company_id","contact_id"]
isOneToOne: false
      referencedRelation: "contacts"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"pending_events": {
                  Row: {
                    "campaign_id": string,"company_id": string,"contact_id": string,"is_machine": boolean,"link_id": number | null,"machine_reason": string | null,"message_id": number,"occurred_at": string,"type": string,"user_agent": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "campaign_id": string,"company_id": string,"contact_id": string,"is_machine": boolean,"link_id"?: number | null,"machine_reason"?: string | null,"message_id": number,"occurred_at"?: string,"type": string,"user_agent"?: string | null
                  }
                  Update: {
                    "campaign_id"?: string,"company_id"?: string,"contact_id"?: string,"is_machine"?: boolean,"link_id"?: number | null,"machine_reason"?: string | null,"message_id"?: number,"occurred_at"?: string,"type"?: string,"user_agent"?: string | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "message_belongs_to_company"
      columns: ["company_id","message_id"]
isOneToOne: false
      referencedRelation: "messages"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"sender_settings": {
                  Row: {
                    "company_id": string,"messages_per_minute": number,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "company_id": string,"messages_per_minute"?: number,"updated_at"?: string
                  }
                  Update: {
                    "company_id"?: string,"messages_per_minute"?: number,"updated_at"?: string
                  }
                  Relationships: [
                    
                  ]
                },"simulated_events": {
                  Row: {
                    "bounce_kind": string | null,"campaign_id": string,"company_id": string,"contact_id": string,"due_at": string,"id": number,"is_machine": boolean,"link_id": number | null,"machine_reason": string | null,"message_id": number,"type": string
                  }
                  ComputedFields: never
                  Insert: {
                    "bounce_kind"?: string | null,"campaign_id": string,"company_id": string,"contact_id": string,"due_at": string,"id"?: never,"is_machine"?: boolean,"link_id"?: number | null,"machine_reason"?: string | null,"message_id": number,"type": string
                  }
                  Update: {
                    "bounce_kind"?: string | null,"campaign_id"?: string,"company_id"?: string,"contact_id"?: string,"due_at"?: string,"id"?: never,"is_machine"?: boolean,"link_id"?: number | null,"machine_reason"?: string | null,"message_id"?: number,"type"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "message_belongs_to_company"
      columns: ["company_id","message_id"]
isOneToOne: false
      referencedRelation: "messages"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"unsubscribes": {
                  Row: {
                    "audience_id": string | null,"campaign_id": string | null,"company_id": string,"contact_id": string,"created_at": string,"id": string,"message_id": number | null,"scope": string,"source": string
                  }
                  ComputedFields: never
                  Insert: {
                    "audience_id"?: string | null,"campaign_id"?: string | null,"company_id": string,"contact_id": string,"created_at"?: string,"id"?: string,"message_id"?: number | null,"scope": string,"source": string
                  }
                  Update: {
                    "audience_id"?: string | null,"campaign_id"?: string | null,"company_id"?: string,"contact_id"?: string,"created_at"?: string,"id"?: string,"message_id"?: number | null,"scope"?: string,"source"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "audience_belongs_to_company"
      columns: ["company_id","audience_id"]
isOneToOne: false
      referencedRelation: "audiences"
      referencedColumns: ["company_id","id"]
    },{
      foreignKeyName: "campaign_belongs_to_company"
      columns: ["company_id","campaign_id"]
isOneToOne: false
      referencedRelation: "campaign_dashboard"
      referencedColumns: ["company_id","campaign_id"]
    },{
      foreignKeyName: "campaign_belongs_to_company"
      columns: ["company_id","campaign_id"]
isOneToOne: false
      referencedRelation: "campaigns"
      referencedColumns: ["company_id","id"]
    },{
      foreignKeyName: "contact_belongs_to_company"
      columns: ["company_id","contact_id"]
isOneToOne: false
      referencedRelation: "contacts"
      referencedColumns: ["company_id","id"]
    },{
      foreignKeyName: "message_belongs_to_company"
      columns: ["company_id","message_id"]
isOneToOne: false
      referencedRelation: "messages"
      referencedColumns: ["company_id","id"]
    }
                  ]
                }
          }
          Views: {
            "campaign_dashboard": {
                  Row: {
                    "campaign_id": string,"clicks": number | null,"company_id": string,"complaints": number | null,"created_at": string,"ctor": number | null,"ctr": number | null,"delivered": number | null,"hard_bounces": number | null,"leads": number | null,"machine_clicks": number | null,"machine_opens": number | null,"name": string,"open_rate": number | null,"opens": number | null,"sent": number | null,"sent_at": string | null,"soft_bounces": number | null,"status": string,"subject": string,"unique_clicks": number | null,"unique_opens": number | null,"unsubscribes": number | null,"won_revenue": number | null
                  }
                  ComputedFields: never
                  Relationships: [
                    
                  ]
                }
          }
          Functions: {
            "_eligible_contacts":
{ Args: { "campaign_id": string }; Returns: {
              "contact_id": string
            }[]
                           },
"_generate_messages":
{ Args: { "campaign_id": string }; Returns: Json
                           },
"_plan_simulated_events":
{ Args: { "hours": number,"message_ids": (number)[] }; Returns: number
                           },
"_send_rate":
{ Args: { "company_id": string }; Returns: number
                           },
"_soft_bounce_limit":
{ Args: Record<PropertyKey, never>; Returns: number
                           },
"add_contacts_to_audience":
{ Args: { "audience_id": string,"contacts": Json }; Returns: Json
                           },
"add_leads_to_audience":
{ Args: { "audience_id": string,"origin"?: string,"stage_id"?: string }; Returns: Json
                           },
"eligible_count":
{ Args: { "campaign_id": string }; Returns: number
                           },
"fold_pending_events":
{ Args: { "max_events"?: number }; Returns: number
                           },
"fold_pending_events_if_due":
{ Args: Record<PropertyKey, never>; Returns: number
                           },
"generate_messages":
{ Args: { "campaign_id": string }; Returns: Json
                           },
"html_ctas":
{ Args: { "html": string }; Returns: {
              "label": string,"n": number,"url": string
            }[]
                           },
"next_send_batch":
{ Args: { "campaign_id": string,"max_messages": number }; Returns: {
              "allowance": number,"contact_public_id": string,"eligible": boolean,"email": string,"link_public_ids": (string)[],"message_id": number,"message_public_id": string,"name": string
            }[]
                           },
"pause_sending":
{ Args: { "campaign_id": string }; Returns: undefined
                           },
"record_provider_events":
{ Args: { "events": Json,"strict"?: boolean }; Returns: Json
                           },
"record_send_batch":
{ Args: { "campaign_id": string,"results": Json }; Returns: Json
                           },
"release_simulated_events":
{ Args: { "max_events"?: number,"until"?: string }; Returns: number
                           },
"start_sending":
{ Args: { "campaign_id": string,"simulation_hours"?: number,"transport": string }; Returns: Json
                           },
"track_click":
{ Args: { "link_public_id": string,"machine_reason"?: string,"user_agent"?: string }; Returns: {
              "contact_public_id": string,"message_public_id": string,"url": string,"utm_campaign": string,"utm_content": string,"utm_medium": string,"utm_source": string
            }[]
                           },
"track_clicks":
{ Args: { "link_public_ids": (string)[],"machine_reasons": (string)[],"user_agents": (string)[] }; Returns: {
              "contact_public_id": string,"message_public_id": string,"ord": number,"url": string,"utm_campaign": string,"utm_content": string,"utm_medium": string,"utm_source": string
            }[]
                           },
"track_open":
{ Args: { "machine_reason"?: string,"message_public_id": string,"user_agent"?: string }; Returns: boolean
                           },
"track_opens":
{ Args: { "machine_reasons": (string)[],"message_public_ids": (string)[],"user_agents": (string)[] }; Returns: {
              "ord": number
            }[]
                           },
"unsubscribe":
{ Args: { "message_public_id": string,"scope": string,"source": string }; Returns: string
                           },
"unsubscribe_info":
{ Args: { "message_public_id": string }; Returns: Json
                           }
          }
          Enums: {
            [_ in never]: never
          }
          CompositeTypes: {
            [_ in never]: never
          }
        },"ops": {
          Tables: {
            "audit_log": {
                  Row: {
                    "action": string,"actor": string | null,"actor_role": string | null,"after": Json | null,"before": Json | null,"company_id": string,"id": number,"occurred_at": string,"row_id": string,"table_name": string,"table_schema": string
                  }
                  ComputedFields: never
                  Insert: {
                    "action": string,"actor"?: string | null,"actor_role"?: string | null,"after"?: Json | null,"before"?: Json | null,"company_id": string,"id"?: never,"occurred_at"?: string,"row_id": string,"table_name": string,"table_schema": string
                  }
                  Update: {
                    "action"?: string,"actor"?: string | null,"actor_role"?: string | null,"after"?: Json | null,"before"?: Json | null,"company_id"?: string,"id"?: never,"occurred_at"?: string,"row_id"?: string,"table_name"?: string,"table_schema"?: string
                  }
                  Relationships: [
                    
                  ]
                },"dead_letters": {
                  Row: {
                    "company_id": string | null,"dead_at": string,"enqueued_at": string | null,"id": number,"last_error": string,"message": NonNullable<Json>,"msg_id": number,"queue_name": string,"read_ct": number,"worker": string
                  }
                  ComputedFields: never
                  Insert: {
                    "company_id"?: string | null,"dead_at"?: string,"enqueued_at"?: string | null,"id"?: never,"last_error": string,"message": NonNullable<Json>,"msg_id": number,"queue_name": string,"read_ct": number,"worker": string
                  }
                  Update: {
                    "company_id"?: string | null,"dead_at"?: string,"enqueued_at"?: string | null,"id"?: never,"last_error"?: string,"message"?: NonNullable<Json>,"msg_id"?: number,"queue_name"?: string,"read_ct"?: number,"worker"?: string
                  }
                  Relationships: [
                    
                  ]
                },"domain_events": {
                  Row: {
                    "aggregate_id": string,"aggregate_type": string,"company_id": string,"event_type": string,"id": number,"occurred_at": string,"payload": NonNullable<Json>
                  }
                  ComputedFields: never
                  Insert: {
                    "aggregate_id": string,"aggregate_type": string,"company_id": string,"event_type": string,"id"?: never,"occurred_at"?: string,"payload"?: NonNullable<Json>
                  }
                  Update: {
                    "aggregate_id"?: string,"aggregate_type"?: string,"company_id"?: string,"event_type"?: string,"id"?: never,"occurred_at"?: string,"payload"?: NonNullable<Json>
                  }
                  Relationships: [
                    
                  ]
                },"erasure_log": {
                  Row: {
                    "company_id": string,"erased_at": string,"id": number,"leads": number,"requested_by": string | null,"requested_role": string | null,"rows_changed": NonNullable<Json>,"subject_hash": string,"subject_kind": string
                  }
                  ComputedFields: never
                  Insert: {
                    "company_id": string,"erased_at"?: string,"id"?: never,"leads": number,"requested_by"?: string | null,"requested_role"?: string | null,"rows_changed": NonNullable<Json>,"subject_hash": string,"subject_kind": string
                  }
                  Update: {
                    "company_id"?: string,"erased_at"?: string,"id"?: never,"leads"?: number,"requested_by"?: string | null,"requested_role"?: string | null,"rows_changed"?: NonNullable<Json>,"subject_hash"?: string,"subject_kind"?: string
                  }
                  Relationships: [
                    
                  ]
                },"expected_cron_jobs": {
                  Row: {
                    "created_at": string,"does": string,"jobname": string,"migration": string
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"does": string,"jobname": string,"migration": string
                  }
                  Update: {
                    "created_at"?: string,"does"?: string,"jobname"?: string,"migration"?: string
                  }
                  Relationships: [
                    
                  ]
                },"integrations": {
                  Row: {
                    "company_id": string,"created_at": string,"credentials_ciphertext": string | null,"credentials_updated_at": string | null,"display_name": string | null,"has_credentials": boolean | null,"id": string,"provider": string,"settings": NonNullable<Json>,"status": string,"status_message": string | null,"sync_enabled": boolean,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "company_id": string,"created_at"?: string,"credentials_ciphertext"?: string | null,"credentials_updated_at"?: string | null,"display_name"?: string | null,"has_credentials"?: never,"id"?: string,"provider": string,"settings"?: NonNullable<Json>,"status"?: string,"status_message"?: string | null,"sync_enabled"?: boolean,"updated_at"?: string
                  }
                  Update: {
                    "company_id"?: string,"created_at"?: string,"credentials_ciphertext"?: string | null,"credentials_updated_at"?: string | null,"display_name"?: string | null,"has_credentials"?: never,"id"?: string,"provider"?: string,"settings"?: NonNullable<Json>,"status"?: string,"status_message"?: string | null,"sync_enabled"?: boolean,"updated_at"?: string
                  }
                  Relationships: [
                    
                  ]
                },"integrations_log": {
                  Row: {
                    "company_id": string,"direction": string,"duration_ms": number | null,"error": string | null,"id": number,"integration_id": string | null,"lead_id": string | null,"occurred_at": string,"operation": string,"provider": string,"request": Json | null,"response": Json | null,"status_code": number | null,"success": boolean
                  }
                  ComputedFields: never
                  Insert: {
                    "company_id": string,"direction": string,"duration_ms"?: number | null,"error"?: string | null,"id"?: never,"integration_id"?: string | null,"lead_id"?: string | null,"occurred_at"?: string,"operation": string,"provider": string,"request"?: Json | null,"response"?: Json | null,"status_code"?: number | null,"success": boolean
                  }
                  Update: {
                    "company_id"?: string,"direction"?: string,"duration_ms"?: number | null,"error"?: string | null,"id"?: never,"integration_id"?: string | null,"lead_id"?: string | null,"occurred_at"?: string,"operation"?: string,"provider"?: string,"request"?: Json | null,"response"?: Json | null,"status_code"?: number | null,"success"?: boolean
                  }
                  Relationships: [
                    {
      foreignKeyName: "integrations_log_integration_id_fkey"
      columns: ["integration_id"]
isOneToOne: false
      referencedRelation: "failing_integrations"
      referencedColumns: ["integration_id"]
    },{
      foreignKeyName: "integrations_log_integration_id_fkey"
      columns: ["integration_id"]
isOneToOne: false
      referencedRelation: "integrations"
      referencedColumns: ["id"]
    }
                  ]
                },"partitioned_tables": {
                  Row: {
                    "created_at": string,"detach_after_months": number | null,"months_ahead": number,"parent": unknown,"registered_by": string
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"detach_after_months"?: number | null,"months_ahead"?: number,"parent": unknown,"registered_by": string
                  }
                  Update: {
                    "created_at"?: string,"detach_after_months"?: number | null,"months_ahead"?: number,"parent"?: unknown,"registered_by"?: string
                  }
                  Relationships: [
                    
                  ]
                },"personal_data_locations": {
                  Row: {
                    "clear_json_columns": (string)[],"company_column": string,"created_at": string,"id": number,"mask_columns": (string)[],"match_as": string,"match_column": string,"null_columns": (string)[],"position": number,"registered_by": string,"stamp_column": string | null,"strip_json_columns": (string)[],"strip_json_keys": (string)[],"table_name": unknown
                  }
                  ComputedFields: never
                  Insert: {
                    "clear_json_columns"?: (string)[],"company_column"?: string,"created_at"?: string,"id"?: never,"mask_columns"?: (string)[],"match_as": string,"match_column": string,"null_columns"?: (string)[],"position"?: number,"registered_by": string,"stamp_column"?: string | null,"strip_json_columns"?: (string)[],"strip_json_keys"?: (string)[],"table_name": unknown
                  }
                  Update: {
                    "clear_json_columns"?: (string)[],"company_column"?: string,"created_at"?: string,"id"?: never,"mask_columns"?: (string)[],"match_as"?: string,"match_column"?: string,"null_columns"?: (string)[],"position"?: number,"registered_by"?: string,"stamp_column"?: string | null,"strip_json_columns"?: (string)[],"strip_json_keys"?: (string)[],"table_name"?: unknown
                  }
                  Relationships: [
                    
                  ]
                },"privacy_settings": {
                  Row: {
                    "company_id": string,"retention_months": number,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "company_id": string,"retention_months"?: number,"updated_at"?: string
                  }
                  Update: {
                    "company_id"?: string,"retention_months"?: number,"updated_at"?: string
                  }
                  Relationships: [
                    
                  ]
                },"suppression_list": {
                  Row: {
                    "company_id": string,"created_at": string,"created_by": string | null,"email": string,"id": string,"note": string | null,"reason": string
                  }
                  ComputedFields: never
                  Insert: {
                    "company_id": string,"created_at"?: string,"created_by"?: string | null,"email": string,"id"?: string,"note"?: string | null,"reason": string
                  }
                  Update: {
                    "company_id"?: string,"created_at"?: string,"created_by"?: string | null,"email"?: string,"id"?: string,"note"?: string | null,"reason"?: string
                  }
                  Relationships: [
                    
                  ]
                },"sync_state": {
                  Row: {
                    "company_id": string,"created_at": string,"cursor_contact_code": number | null,"cursor_inserted_at": string | null,"id": string,"integration_id": string,"last_attempt_at": string | null,"last_error": string | null,"last_page_at": string | null,"last_successful_sync": string | null,"pass_finished_at": string | null,"pass_pages": number,"pass_pulled": number,"pass_started_at": string | null,"sync_type": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "company_id": string,"created_at"?: string,"cursor_contact_code"?: number | null,"cursor_inserted_at"?: string | null,"id"?: string,"integration_id": string,"last_attempt_at"?: string | null,"last_error"?: string | null,"last_page_at"?: string | null,"last_successful_sync"?: string | null,"pass_finished_at"?: string | null,"pass_pages"?: number,"pass_pulled"?: number,"pass_started_at"?: string | null,"sync_type": string,"updated_at"?: string
                  }
                  Update: {
                    "company_id"?: string,"created_at"?: string,"cursor_contact_code"?: number | null,"cursor_inserted_at"?: string | null,"id"?: string,"integration_id"?: string,"last_attempt_at"?: string | null,"last_error"?: string | null,"last_page_at"?: string | null,"last_successful_sync"?: string | null,"pass_finished_at"?: string | null,"pass_pages"?: number,"pass_pulled"?: number,"pass_started_at"?: string | null,"sync_type"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "integration_belongs_to_company"
      columns: ["company_id","integration_id"]
isOneToOne: false
      referencedRelation: "failing_integrations"
      referencedColumns: ["company_id","integration_id"]
    },{
      foreignKeyName: "integration_belongs_to_company"
      columns: ["company_id","integration_id"]
isOneToOne: false
      referencedRelation: "integrations"
      referencedColumns: ["company_id","id"]
    }
                  ]
                },"worker_runs": {
                  Row: {
                    "cpu_ms": number | null,"error": string | null,"failed": number,"finished_at": string | null,"id": number,"processed": number,"retried": number,"started_at": string,"stopped_by": string | null,"succeeded": number,"worker": string
                  }
                  ComputedFields: never
                  Insert: {
                    "cpu_ms"?: number | null,"error"?: string | null,"failed"?: number,"finished_at"?: string | null,"id"?: never,"processed"?: number,"retried"?: number,"started_at"?: string,"stopped_by"?: string | null,"succeeded"?: number,"worker": string
                  }
                  Update: {
                    "cpu_ms"?: number | null,"error"?: string | null,"failed"?: number,"finished_at"?: string | null,"id"?: never,"processed"?: number,"retried"?: number,"started_at"?: string,"stopped_by"?: string | null,"succeeded"?: number,"worker"?: string
                  }
                  Relationships: [
                    
                  ]
                }
          }
          Views: {
            "dead_letter_summary": {
                  Row: {
                    "company_id": string | null,"dead_letters": number | null,"last_dead_at": string,"last_error": string,"last_msg_id": number,"last_read_ct": number,"last_worker": string,"queue_name": string
                  }
                  ComputedFields: never
                  Relationships: [
                    
                  ]
                },"failing_integrations": {
                  Row: {
                    "company_id": string,"display_name": string | null,"integration_id": string,"last_failed_call_at": string | null,"last_failed_error": string | null,"last_failed_operation": string | null,"last_failed_status_code": number | null,"provider": string,"status_message": string | null,"sync_enabled": boolean,"updated_at": string
                  }
                  ComputedFields: never
                  Relationships: [
                    
                  ]
                },"queue_depth": {
                  Row: {
                    "dead_letters": number | null,"depth": number | null,"last_dead_at": string | null,"max_read_ct": number | null,"newest_enqueued_at": string | null,"oldest_enqueued_at": string | null,"oldest_message_age_seconds": number | null,"queue_name": string | null,"visible": number | null
                  }
                  ComputedFields: never
                  Relationships: [
                    
                  ]
                },"worker_last_runs": {
                  Row: {
                    "duration_ms": number | null,"error_runs_last_24h": number | null,"failed": number | null,"finished_at": string | null,"last_error": string | null,"outcome": string | null,"processed": number | null,"retried": number | null,"runs_last_24h": number | null,"started_at": string | null,"succeeded": number | null,"worker": string | null
                  }
                  ComputedFields: never
                  Relationships: [
                    
                  ]
                }
          }
          Functions: {
            "apply_retention":
{ Args: { "at"?: string }; Returns: {
              "company_id": string,"leads_anonymized": number,"touches_cleared": number
            }[]
                           },
"attach_audit":
{ Args: { "secret_columns"?: (string)[],"target": unknown }; Returns: undefined
                           },
"caller_sees_all_companies":
{ Args: Record<PropertyKey, never>; Returns: boolean
                           },
"create_monthly_partitions":
{ Args: { "from_month": string,"parent": unknown,"to_month": string }; Returns: number
                           },
"dead_letter":
{ Args: { "last_error": string,"msg_id": number,"queue_name": string,"worker": string }; Returns: boolean
                           },
"erase_subject":
{ Args: { "company_id": string,"subject": string }; Returns: Json
                           },
"invoke_edge_function":
{ Args: { "function_name": string,"payload"?: Json,"timeout_milliseconds"?: number }; Returns: number
                           },
"maintain_partitions":
{ Args: { "at"?: string }; Returns: {
              "created": number,"detached": (string)[],"parent": unknown
            }[]
                           },
"queue_depth_rows":
{ Args: Record<PropertyKey, never>; Returns: {
              "dead_letters": number,"depth": number,"last_dead_at": string,"max_read_ct": number,"newest_enqueued_at": string,"oldest_enqueued_at": string,"oldest_message_age_seconds": number,"queue_name": string,"visible": number
            }[]
                           },
"setup_problems":
{ Args: Record<PropertyKey, never>; Returns: {
              "code": string,"how_to_fix": string,"subject": string,"what": string
            }[]
                           },
"worker_last_run_rows":
{ Args: Record<PropertyKey, never>; Returns: {
              "duration_ms": number,"error_runs_last_24h": number,"failed": number,"finished_at": string,"last_error": string,"outcome": string,"processed": number,"retried": number,"runs_last_24h": number,"started_at": string,"succeeded": number,"worker": string
            }[]
                           }
          }
          Enums: {
            [_ in never]: never
          }
          CompositeTypes: {
            [_ in never]: never
          }
        },"public": {
          Tables: {
            [_ in never]: never
          }
          Views: {
            [_ in never]: never
          }
          Functions: {
            "custom_access_token_hook":
{ Args: { "event": Json }; Returns: Json
                           }
          }
          Enums: {
            [_ in never]: never
          }
          CompositeTypes: {
            [_ in never]: never
          }
        }
}

type DatabaseWithoutInternals = Omit<Database, '__InternalSupabase'>

type DefaultSchema = DatabaseWithoutInternals[Extract<keyof Database, "public">]

export type Tables<
  DefaultSchemaTableNameOrOptions extends
    | keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
        DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])
    : never = never
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
      DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])[TableName] extends {
      Row: infer R
    }
    ? R
    : never
  : DefaultSchemaTableNameOrOptions extends keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
  ? (DefaultSchema["Tables"] & DefaultSchema["Views"])[DefaultSchemaTableNameOrOptions] extends {
      Row: infer R
    }
    ? R
    : never
  : never

export type TablesInsert<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never = never
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Insert: infer I
    }
    ? I
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
  ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
      Insert: infer I
    }
    ? I
    : never
  : never

export type TablesUpdate<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never = never
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Update: infer U
    }
    ? U
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
  ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
      Update: infer U
    }
    ? U
    : never
  : never

export type Enums<
  DefaultSchemaEnumNameOrOptions extends
    | keyof DefaultSchema["Enums"]
    | { schema: keyof DatabaseWithoutInternals },
  EnumName extends DefaultSchemaEnumNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"]
    : never = never
> = DefaultSchemaEnumNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"][EnumName]
  : DefaultSchemaEnumNameOrOptions extends keyof DefaultSchema["Enums"]
  ? DefaultSchema["Enums"][DefaultSchemaEnumNameOrOptions]
  : never

export type CompositeTypes<
  PublicCompositeTypeNameOrOptions extends
    | keyof DefaultSchema["CompositeTypes"]
    | { schema: keyof DatabaseWithoutInternals },
  CompositeTypeName extends PublicCompositeTypeNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"]
    : never = never
> = PublicCompositeTypeNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"][CompositeTypeName]
  : PublicCompositeTypeNameOrOptions extends keyof DefaultSchema["CompositeTypes"]
  ? DefaultSchema["CompositeTypes"][PublicCompositeTypeNameOrOptions]
  : never

export const Constants = {
  "analytics": {
          Enums: {
            
          }
        },"core": {
          Enums: {
            
          }
        },"core_marketing": {
          Enums: {
            
          }
        },"lead": {
          Enums: {
            
          }
        },"mtrk": {
          Enums: {
            
          }
        },"ops": {
          Enums: {
            
          }
        },"public": {
          Enums: {
            
          }
        }
} as const
