//! `#[derive(Model)]`: implements `alembic_runtime::Model` for a struct, from its
//! `#[alembic(...)]` attributes (parsed by alembic-model, the same parser autogenerate uses).
//! Metadata only: no row mapping. Mistakes are compile errors pointing at the attribute,
//! field or type. Use it through `alembic_runtime::Model` (feature `derive`).

use alembic_model::Dialect;
use proc_macro::TokenStream;
use quote::quote;

/// Derives `alembic_runtime::Model`; see DESIGN §7 for the attribute keys.
#[proc_macro_derive(Model, attributes(alembic))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let item = syn::parse_macro_input!(input as syn::DeriveInput);
    let models = alembic_model::parse_model(&item).and_then(|sqlite| {
        alembic_model::parse_model_for(&item, Dialect::Postgres).map(|pg| (sqlite, pg))
    });
    let (sqlite, postgres) = match models {
        Ok(models) => models,
        Err(e) => return e.to_compile_error().into(),
    };
    let ident = &item.ident;
    let builders = alembic_model::Builders::absolute();
    let (Some(table), Some(pg_table)) = (
        builders.table(&sqlite.table),
        builders.table(&postgres.table),
    ) else {
        return syn::Error::new_spanned(
            ident,
            "this model declares a table the schema builders cannot express; \
             please report it to cargo-alembic",
        )
        .to_compile_error()
        .into();
    };
    // The PostgreSQL table only where its types differ from SQLite's.
    let table_for = (postgres.table != sqlite.table).then(|| {
        quote! {
            fn table_for(
                dialect: ::alembic_runtime::schema::sql::Dialect,
            ) -> ::alembic_runtime::schema::Table {
                match dialect {
                    ::alembic_runtime::schema::sql::Dialect::Postgres => #pg_table,
                    _ => #table,
                }
            }
        }
    });
    let (impl_generics, type_generics, where_clause) = item.generics.split_for_impl();
    quote! {
        impl #impl_generics ::alembic_runtime::Model for #ident #type_generics #where_clause {
            fn table() -> ::alembic_runtime::schema::Table {
                #table
            }
            #table_for
        }
    }
    .into()
}
